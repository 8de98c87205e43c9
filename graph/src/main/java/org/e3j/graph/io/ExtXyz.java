package org.e3j.graph.io;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Convenience entry points for extended XYZ; see {@link ExtXyzReader} and {@link ExtXyzWriter}. */
public final class ExtXyz {
    private ExtXyz() {}

    /** All frames of a file. */
    public static List<Frame> read(Path path) throws IOException {
        try (ExtXyzReader r = ExtXyzReader.open(path)) {
            return r.readAll();
        }
    }

    /** All frames of a string. */
    public static List<Frame> parse(String text) {
        return parse(text, ExtXyzReader.Options.DEFAULT);
    }

    public static List<Frame> parse(String text, ExtXyzReader.Options options) {
        return new ExtXyzReader(new StringReader(text), options).readAll();
    }

    /** Writes all frames; the file appears whole or not at all ({@link SafeOutput}). */
    public static void write(Path path, List<Frame> frames) throws IOException {
        try (SafeOutput file = SafeOutput.create(path)) {
            ExtXyzWriter w = new ExtXyzWriter(new OutputStreamWriter(file.stream(), StandardCharsets.UTF_8));
            try {
                for (Frame f : frames) {
                    w.write(f);
                }
            } catch (UncheckedIOException e) {
                throw new IOException(path + ": cannot write (" + SafeOutput.reason(e.getCause()) + ")", e);
            }
            w.flush();
            file.commit();
        }
    }

    public static String toString(List<Frame> frames) {
        StringWriter sw = new StringWriter();
        ExtXyzWriter w = new ExtXyzWriter(sw);
        for (Frame f : frames) {
            w.write(f);
        }
        try {
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }
}
