package org.e3j.layers.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters of a model file, read by Flax path with their expected shapes. Every read checks the
 * shape and refuses NaN/Inf; {@link #checkAllUsed()} then names any tensor the architecture did not
 * ask for, so a file that lies about its contents is refused whole, with every culprit named.
 */
public final class Params {
    private final SafeTensors file;
    private final Set<String> used = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();
    /** Bytes of tensor data in the file: no tensor the architecture asks for can hold more than this. */
    private final long dataBytes;

    public Params(SafeTensors file) {
        this.file = file;
        long bytes = 0;
        for (String name : file.names()) {
            bytes += file.info(name).byteLength();
        }
        this.dataBytes = bytes;
    }

    public SafeTensors file() {
        return file;
    }

    /**
     * The tensor at {@code path} as doubles (exact from float32), checked against {@code shape}.
     * Problems are collected, and a zero array of the expected size is returned so that loading goes
     * on and reports every problem at once in {@link #checkAllUsed()}.
     */
    public double[] get(String path, int... shape) {
        used.add(path);
        long expected = 1;
        for (int d : shape) {
            expected = d < 0 || expected > dataBytes / 4 ? Long.MAX_VALUE : expected * d;
        }
        if (expected > dataBytes / 4) {
            // The config asks for more float32 values than the whole file holds: refuse before
            // allocating (a zero array of that size could be gigabytes, or overflow int).
            throw new ModelFormatException(file.source() + ": the architecture needs tensor \"" + path + "\" of shape "
                    + Arrays.toString(shape) + ", more values than the file's " + dataBytes + " bytes of tensors hold"
                    + " (a config that does not fit its file)");
        }
        if (!file.contains(path)) {
            problems.add("missing tensor \"" + path + "\" of shape " + Arrays.toString(shape));
            return new double[(int) expected];
        }
        SafeTensors.Info info = file.info(path);
        long[] actual = info.shape();
        boolean same = actual.length == shape.length;
        for (int i = 0; same && i < shape.length; i++) {
            same = actual[i] == shape[i];
        }
        if (!same) {
            problems.add("tensor \"" + path + "\" has shape " + info.shapeString() + ", expected "
                    + Arrays.toString(shape));
            return new double[(int) expected];
        }
        if (info.dtype() != SafeTensors.DType.F32 && info.dtype() != SafeTensors.DType.F64) {
            problems.add("tensor \"" + path + "\" has dtype " + info.dtype() + ", expected F32");
            return new double[(int) expected];
        }
        double[] values = file.doubles(path);
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                problems.add("tensor \"" + path + "\" holds " + values[i] + " at flat index " + i);
                break;
            }
            if (Math.abs(values[i]) > Float.MAX_VALUE) {
                // an F64 value the fast engine's float32 cannot hold: it would compute with infinity
                problems.add("tensor \"" + path + "\" holds " + values[i] + " at flat index " + i
                        + ", beyond float32's range (the fast engine computes in float32)");
                break;
            }
        }
        return values;
    }

    /** Whether the file holds any tensor whose name starts with {@code prefix} (e.g. one layer's). */
    public boolean hasTensorsUnder(String prefix) {
        for (String name : file.names()) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Throws one {@link ModelFormatException} listing every missing, mis-shaped, non-finite or extra tensor. */
    public void checkAllUsed() {
        List<String> all = new ArrayList<>(problems);
        Set<String> extra = new TreeSet<>(file.names());
        extra.removeAll(used);
        for (String name : extra) {
            all.add("unexpected tensor \"" + name + "\" (shape " + file.info(name).shapeString() + ")");
        }
        if (!all.isEmpty()) {
            throw new ModelFormatException(file.source() + ": the tensors do not fit the architecture: "
                    + String.join("; ", all));
        }
    }
}
