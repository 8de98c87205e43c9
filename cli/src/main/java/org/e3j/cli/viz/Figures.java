package org.e3j.cli.viz;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Locale;
import org.e3j.cli.OptionException;
import org.e3j.graph.io.SafeOutput;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** Writes a chart as PNG or SVG, chosen by the file's extension, with XChart's encoders. */
public final class Figures {
    /** Smallest and largest accepted image side, pixels. */
    public static final int MIN_SIZE = 100;
    public static final int MAX_SIZE = 10_000;

    private Figures() {}

    /** Image formats, by file extension. */
    public enum Format {
        PNG, SVG;

        public static Format of(Path path) {
            String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".png")) {
                return PNG;
            }
            if (name.endsWith(".svg")) {
                return SVG;
            }
            throw new OptionException("cannot tell the image format of " + path
                    + ": the file name must end in .png or .svg");
        }
    }

    /** Charts are drawn off-screen: no display needed (set before AWT starts). */
    public static void headless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Checks a requested image size, with a message naming the options. */
    public static void checkSize(int width, int height) {
        if (width < MIN_SIZE || height < MIN_SIZE || width > MAX_SIZE || height > MAX_SIZE) {
            throw new OptionException("image size " + width + "x" + height + " is out of range: --width and "
                    + "--height must be between " + MIN_SIZE + " and " + MAX_SIZE + " pixels");
        }
    }

    /** The path with its extension replaced by {@code ext} (".png"): the plot next to a trajectory. */
    public static Path sibling(Path path, String ext) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return path.resolveSibling(stem + ext);
    }

    /**
     * Writes the chart at its own size ({@code chart.getWidth() x chart.getHeight()}): whole or not at
     * all, through a temporary file of its own ({@link SafeOutput}), and never onto one of
     * {@code inputs}.
     */
    public static void write(Chart<?, ?> chart, Path path, SafeOutput.Input... inputs) throws IOException {
        headless();
        Format format = Format.of(path);
        try (SafeOutput file = SafeOutput.create(path, inputs)) {
            OutputStream os = file.stream();
            switch (format) {
                case PNG -> BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
                case SVG -> VectorGraphicsEncoder.saveVectorGraphic(chart, os,
                        VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
                default -> throw new IllegalStateException(format.toString());
            }
            file.commit();
        }
    }
}
