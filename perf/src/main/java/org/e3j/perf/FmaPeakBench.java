package org.e3j.perf;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The single-core float32 FMA ceiling the kernels are measured against: 12 independent FMA chains
 * on registers (enough to cover a 4-cycle latency on 2 FMA pipes), no memory traffic. Scores are
 * in flop/ns = Gflop/s (one FMA = 2 flops). A kernel's efficiency = its Gflop/s / this score for
 * the same width. fma512 fails its setup on CPUs without 512-bit vectors (exclude it with -e).
 * (This benchmark imports jdk.incubator.vector itself: the engine's "only VectorKernels imports it"
 * rule is about the engine module.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"}, jvmArgsAppend = "-XX:+UseParallelGC")
public class FmaPeakBench {

    static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;
    static final int ITER = 4096;
    static final int CHAINS = 12;

    private final float[] seed = new float[16 * (CHAINS + 2)];

    @Setup
    public void setup() {
        for (int i = 0; i < seed.length; i++) {
            seed[i] = 0.5f + i * 1e-3f;
        }
        seed[0] = 0.999f; // multiplier: c = c * a + b converges, no overflow or subnormals
    }

    @Benchmark
    @OperationsPerInvocation(ITER * CHAINS * 8 * 2)
    public float fma256() {
        VectorSpecies<Float> s = S256;
        FloatVector a = FloatVector.broadcast(s, seed[0]);
        FloatVector b = FloatVector.fromArray(s, seed, 16);
        FloatVector c0 = FloatVector.fromArray(s, seed, 32), c1 = FloatVector.fromArray(s, seed, 48);
        FloatVector c2 = FloatVector.fromArray(s, seed, 64), c3 = FloatVector.fromArray(s, seed, 80);
        FloatVector c4 = FloatVector.fromArray(s, seed, 96), c5 = FloatVector.fromArray(s, seed, 112);
        FloatVector c6 = FloatVector.fromArray(s, seed, 128), c7 = FloatVector.fromArray(s, seed, 144);
        FloatVector c8 = FloatVector.fromArray(s, seed, 160), c9 = FloatVector.fromArray(s, seed, 176);
        FloatVector c10 = FloatVector.fromArray(s, seed, 192), c11 = FloatVector.fromArray(s, seed, 208);
        for (int i = 0; i < ITER; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    @OperationsPerInvocation(ITER * CHAINS * 16 * 2)
    public float fma512() {
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() < 512) {
            throw new IllegalStateException("this CPU has no 512-bit vectors; exclude fma512");
        }
        VectorSpecies<Float> s = S512;
        FloatVector a = FloatVector.broadcast(s, seed[0]);
        FloatVector b = FloatVector.fromArray(s, seed, 16);
        FloatVector c0 = FloatVector.fromArray(s, seed, 32), c1 = FloatVector.fromArray(s, seed, 48);
        FloatVector c2 = FloatVector.fromArray(s, seed, 64), c3 = FloatVector.fromArray(s, seed, 80);
        FloatVector c4 = FloatVector.fromArray(s, seed, 96), c5 = FloatVector.fromArray(s, seed, 112);
        FloatVector c6 = FloatVector.fromArray(s, seed, 128), c7 = FloatVector.fromArray(s, seed, 144);
        FloatVector c8 = FloatVector.fromArray(s, seed, 160), c9 = FloatVector.fromArray(s, seed, 176);
        FloatVector c10 = FloatVector.fromArray(s, seed, 192), c11 = FloatVector.fromArray(s, seed, 208);
        for (int i = 0; i < ITER; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
