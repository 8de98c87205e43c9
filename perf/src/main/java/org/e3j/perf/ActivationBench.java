package org.e3j.perf;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.e3j.engine.kernels.Activation;
import org.e3j.engine.kernels.Kernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The radial MLP's LayerNorm + silu over [E = 10752, H = 64] (forward and input backward), and the
 * in-place activations over the same number of values. Elements/s = 688128 / (score in s).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"}, jvmArgsAppend = "-XX:+UseParallelGC")
public class ActivationBench {

    @Param({"10752"})
    public int rows;

    @Param({"64"})
    public int width;

    @Param({"scalar", "vector256", "vector512"})
    public String impl;

    private Kernels k;
    private float[] x, scale, bias, out, stats, dy, dx, work, src;

    @Setup
    public void setup() {
        k = Impls.select(impl);
        SplittableRandom rnd = new SplittableRandom(3);
        x = Impls.random(rnd, rows * width, -3f, 3f);
        scale = Impls.random(rnd, width, 0.5f, 1.5f);
        bias = Impls.random(rnd, width, -0.2f, 0.2f);
        out = new float[rows * width];
        stats = new float[2 * rows];
        dy = Impls.random(rnd, rows * width, -1f, 1f);
        dx = new float[rows * width];
        src = Impls.random(rnd, rows * width, -6f, 6f);
        work = new float[rows * width];
        k.layerNormSilu(rows, width, x, 0, width, scale, 0, bias, 0, out, 0, width, stats, 0);
    }

    @Benchmark
    public float layerNormSilu() {
        k.layerNormSilu(rows, width, x, 0, width, scale, 0, bias, 0, out, 0, width, stats, 0);
        return out[out.length - 1];
    }

    @Benchmark
    public float layerNormSiluBackward() {
        k.layerNormSiluBackward(rows, width, x, 0, width, stats, 0, scale, 0, bias, 0, dy, 0, width, dx, 0, width);
        return dx[dx.length - 1];
    }

    /** silu in place (the copy keeps the input distribution fixed; it costs one memcpy). */
    @Benchmark
    public float silu() {
        System.arraycopy(src, 0, work, 0, work.length);
        k.activate(Activation.SILU, work, 0, work.length, 1.0f);
        return work[work.length - 1];
    }

    @Benchmark
    public float tanh() {
        System.arraycopy(src, 0, work, 0, work.length);
        k.activate(Activation.TANH, work, 0, work.length, 1.0f);
        return work[work.length - 1];
    }
}
