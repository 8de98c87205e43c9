package org.e3j.perf;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * The radial MLP's dense layers, {@code C[M,N] = A[M,K] B[K,N] + bias}, at the shapes of one
 * message-passing layer: M = 10752 edges (512 atoms x 21 neighbours), K -> N = 8 -> 64 (basis to
 * hidden) and 64 -> 304 / 300 (hidden to per-path weights; 304 is 300 padded to 16 lanes).
 * Gflop/s = 2 M N K / (score in ns). Also the backward {@code dX = dY W^T} at 64 -> 8.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"}, jvmArgsAppend = "-XX:+UseParallelGC")
public class GemmBench {

    /** MxKxN. */
    @Param({"10752x8x64", "10752x64x304", "10752x64x300"})
    public String shape;

    @Param({"scalar", "vector256", "vector512"})
    public String impl;

    private Kernels k;
    private int m, kk, n;
    private float[] a, b, bias, c, bt, dx;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        kk = Integer.parseInt(p[1]);
        n = Integer.parseInt(p[2]);
        k = Impls.select(impl);
        SplittableRandom rnd = new SplittableRandom(42);
        a = Impls.random(rnd, m * kk, -1f, 1f);
        b = Impls.random(rnd, kk * n, -0.3f, 0.3f);
        bias = Impls.random(rnd, n, -0.1f, 0.1f);
        c = new float[m * n];
        bt = Impls.random(rnd, kk * n, -0.3f, 0.3f); // W stored K x N, used as (N x K)^T below
        dx = new float[m * kk];
    }

    /** Forward dense layer (what the radial MLP runs per edge batch). */
    @Benchmark
    public float gemmBias() {
        k.gemmBias(m, n, kk, a, 0, kk, b, 0, n, bias, 0, c, 0, n);
        return c[c.length - 1];
    }

    /** Backward to the input: dX[M,K] = dY[M,N] W[K,N]^T (c plays dY). */
    @Benchmark
    public float gemmBtBackward() {
        k.gemmBt(m, kk, n, c, 0, n, bt, 0, n, dx, 0, kk, false);
        return dx[dx.length - 1];
    }
}
