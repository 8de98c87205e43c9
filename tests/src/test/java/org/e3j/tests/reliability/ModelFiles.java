package org.e3j.tests.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.e3j.engine.E3jException;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;
import org.e3j.layers.model.ReferenceModel;

/**
 * Model files for the reliability tests: the fixture models split into (config, tensors), a
 * safetensors writer to put them back together with a different config or header, and the check
 * every fuzzed model file must pass (only {@link E3jException}s, each with a message).
 */
final class ModelFiles {
    private ModelFiles() {}

    /** A tensor as stored: dtype name, shape and raw little-endian bytes. */
    record Tensor(String dtype, long[] shape, byte[] bytes) {}

    /** A model file taken apart: the e3j_config JSON text and the tensors in file order. */
    record Parts(String name, String config, LinkedHashMap<String, Tensor> tensors) {}

    /** {@code tests/fixtures} (the tests module's working directory is the module directory). */
    static Path fixtureRoot() {
        String override = System.getProperty("e3j.fixtures");
        return Path.of(override != null ? override : "fixtures");
    }

    static List<Path> modelFiles() {
        try (Stream<Path> s = Files.list(fixtureRoot())) {
            return s.map(p -> p.resolve("model.safetensors")).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static volatile List<Parts> fixtures;

    /** Every fixture model, taken apart (cached). */
    static List<Parts> fixtures() {
        List<Parts> f = fixtures;
        if (f == null) {
            List<Parts> out = new ArrayList<>();
            for (Path p : modelFiles()) {
                out.add(split(p));
            }
            fixtures = f = List.copyOf(out);
        }
        return f;
    }

    static Parts fixture(String name) {
        for (Parts p : fixtures()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no fixture " + name);
    }

    static Parts split(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafeTensors st = SafeTensors.parse(file.toString(), ByteBuffer.wrap(all));
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : st.names()) {
            SafeTensors.Info info = st.info(name);
            byte[] b = new byte[(int) info.byteLength()];
            System.arraycopy(all, (int) info.offset(), b, 0, b.length);
            tensors.put(name, new Tensor(info.dtype().name(), info.shape().clone(), b));
        }
        return new Parts(file.getParent().getFileName().toString(), st.metadata().get("e3j_config"), tensors);
    }

    /** A safetensors file of {@code tensors} with {@code config} as {@code __metadata__.e3j_config}. */
    static byte[] write(String config, Map<String, Tensor> tensors) {
        StringBuilder h = new StringBuilder("{");
        if (config != null) {
            h.append("\"__metadata__\":{\"e3j_config\":").append(quote(config)).append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (h.length() > 1) {
                h.append(',');
            }
            h.append(quote(e.getKey())).append(":{\"dtype\":").append(quote(t.dtype())).append(",\"shape\":[");
            for (int i = 0; i < t.shape().length; i++) {
                h.append(i == 0 ? "" : ",").append(t.shape()[i]);
            }
            h.append("],\"data_offsets\":[").append(offset).append(',').append(offset + t.bytes().length).append("]}");
            offset += t.bytes().length;
        }
        h.append('}');
        return assemble(h.toString(), tensors.values().stream().map(Tensor::bytes).toList());
    }

    /** The 8-byte length, the header (space-padded to 8 bytes, as the reference writer does), the data. */
    static byte[] assemble(String header, List<byte[]> data) {
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        int pad = (8 - hb.length % 8) % 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hb.length + pad).array());
        out.writeBytes(hb);
        for (int i = 0; i < pad; i++) {
            out.write(' ');
        }
        for (byte[] d : data) {
            out.writeBytes(d);
        }
        return out.toByteArray();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Same tensors, with one replaced (or removed when {@code t} is null, or added). */
    static LinkedHashMap<String, Tensor> with(Map<String, Tensor> tensors, String name, Tensor t) {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>(tensors);
        if (t == null) {
            m.remove(name);
        } else {
            m.put(name, t);
        }
        return m;
    }

    static Tensor f32(long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new Tensor("F32", shape, b.array());
    }

    // ---- the fuzz oracle -------------------------------------------------------------------------

    /** Outcome of {@link #check}: how far a file got. */
    enum Outcome { REJECTED_BY_PARSER, REJECTED_BY_MODEL, LOADED }

    /**
     * Everything an embedding application would do with an untrusted model file: parse, read every
     * tensor, build the model, run it on a small molecule (forces too for a Potential). Only
     * {@link E3jException}s with a message may come out; any other throwable (including an
     * {@link OutOfMemoryError}) escapes and is a finding.
     */
    static Outcome check(byte[] data) {
        SafeTensors f;
        try {
            f = SafeTensors.parse("fuzz", ByteBuffer.wrap(data));
        } catch (ModelFormatException e) {
            requireMessage(e);
            return Outcome.REJECTED_BY_PARSER;
        }
        // What the parser accepted lies inside the buffer and tiles it exactly.
        long end = 8;
        List<SafeTensors.Info> infos = new ArrayList<>();
        for (String name : f.names()) {
            infos.add(f.info(name));
        }
        infos.sort(java.util.Comparator.comparingLong(SafeTensors.Info::offset));
        for (SafeTensors.Info info : infos) {
            if (info.offset() < 8 || info.offset() + info.byteLength() > data.length || info.offset() < end) {
                throw new AssertionError("tensor " + info.name() + " at " + info.offset() + "+" + info.byteLength()
                        + " is outside a " + data.length + "-byte file or overlaps");
            }
            end = info.offset() + info.byteLength();
            try {
                switch (info.dtype()) {
                    case F32, F64 -> f.doubles(info.name());
                    case I32, I64 -> f.ints(info.name());
                    default -> { }
                }
            } catch (ModelFormatException e) {
                requireMessage(e);
            }
        }
        ReferenceModel model;
        try {
            model = ReferenceModel.load(f);
        } catch (E3jException e) {
            requireMessage(e);
            return Outcome.REJECTED_BY_MODEL;
        }
        try {
            ModelInput in = molecule(model);
            if (model.config.isPotential()) {
                ReferenceForces.compute(model, in);
            } else {
                model.forward(in);
            }
        } catch (E3jException e) {
            requireMessage(e);
        }
        return Outcome.LOADED;
    }

    /** Three atoms of the model's first species (or atomic number 1), every directed edge. */
    static ModelInput molecule(ReferenceModel model) {
        int z = model.config.isPotential() ? model.config.species[0] : Math.min(1, model.config.numEmbeddings - 1);
        int[] numbers = {z, z, z};
        double[] pos = {0, 0, 0, 0.9, 0.1, 0, -0.2, 1.0, 0.3};
        int[] s = {0, 0, 1, 1, 2, 2};
        int[] r = {1, 2, 0, 2, 0, 1};
        return new ModelInput(numbers, pos, s, r, null, new int[] {3});
    }

    static void requireMessage(Throwable e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("error without a message", e);
        }
    }
}
