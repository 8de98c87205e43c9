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
 * The fused edge loop for one tensor-product path over a whole layer: for every receiver (CSR
 * segment, 512 atoms x 21 neighbours = 10752 edges, senders random) accumulate
 * {@code out[k][u] += R[e,u] * sum_j M_e[j][k] h_sender[j][u]} with channels innermost
 * (mul = mulPadded). {@code pattern} = dj,dk,entries-per-output-row: 1,1,1 is 0x0->0; 3,1,3 is
 * 1x1->0; 3,3,2 is 1x1->1 (cross product); 5,5,4 stands for an l=2 path. The backward is the
 * transpose used for forces (dM, dR and dH per edge).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"}, jvmArgsAppend = "-XX:+UseParallelGC")
public class EdgeMessageBench {

    @Param({"1,1,1", "3,1,3", "3,3,2", "5,5,4"})
    public String pattern;

    @Param({"32"})
    public int mul;

    @Param({"scalar", "vector256", "vector512"})
    public String impl;

    static final int NODES = 512;
    static final int DEGREE = 21;

    private Kernels k;
    private int dj, dk, nnz, edges;
    private int[] kPtr, jIdx, offsets, senders;
    private float[] mVals, r, h, out, dOut, dM, dR, dH;

    @Setup
    public void setup() {
        String[] p = pattern.split(",");
        dj = Integer.parseInt(p[0]);
        dk = Integer.parseInt(p[1]);
        int perRow = Integer.parseInt(p[2]);
        k = Impls.select(impl);
        nnz = dk * perRow;
        kPtr = new int[dk + 1];
        jIdx = new int[nnz];
        for (int kk = 0; kk < dk; kk++) {
            kPtr[kk + 1] = kPtr[kk] + perRow;
            for (int q = 0; q < perRow; q++) {
                jIdx[kk * perRow + q] = (kk + 1 + q) % dj;
            }
        }
        edges = NODES * DEGREE;
        offsets = new int[NODES + 1];
        senders = new int[edges];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < NODES; i++) {
            offsets[i + 1] = offsets[i] + DEGREE;
            for (int e = offsets[i]; e < offsets[i + 1]; e++) {
                senders[e] = rnd.nextInt(NODES);
            }
        }
        mVals = Impls.random(rnd, edges * nnz, -1f, 1f);
        r = Impls.random(rnd, edges * mul, -1f, 1f);
        h = Impls.random(rnd, NODES * dj * mul, -1f, 1f);
        out = new float[NODES * dk * mul];
        dOut = Impls.random(rnd, NODES * dk * mul, -1f, 1f);
        dM = new float[edges * nnz];
        dR = new float[edges * mul];
        dH = new float[NODES * dj * mul];
    }

    @Benchmark
    public float forward() {
        int block = dk * mul;
        for (int i = 0; i < NODES; i++) {
            k.edgeMessageSegment(offsets[i], offsets[i + 1], senders, dk, kPtr, jIdx, mVals, 0, nnz, r, 0, mul,
                    h, 0, dj * mul, mul, out, i * block, mul, mul);
        }
        return out[out.length - 1];
    }

    @Benchmark
    public float backward() {
        int block = dk * mul;
        for (int i = 0; i < NODES; i++) {
            for (int e = offsets[i]; e < offsets[i + 1]; e++) {
                int s = senders[e];
                k.edgeMessageBackward(dk, kPtr, jIdx, mVals, e * nnz, r, e * mul, h, s * dj * mul, mul,
                        dOut, i * block, mul, mul, dM, e * nnz, dR, e * mul, dH, s * dj * mul, mul);
            }
        }
        return dH[dH.length - 1];
    }

    /** dM and dR of every edge, edge by edge (the engine's receiver pass does this per receiver segment). */
    @Benchmark
    public float backwardEdge() {
        int block = dk * mul;
        for (int i = 0; i < NODES; i++) {
            for (int e = offsets[i]; e < offsets[i + 1]; e++) {
                k.edgeMessageBackward(dk, kPtr, jIdx, mVals, e * nnz, r, e * mul, h, senders[e] * dj * mul, mul,
                        dOut, i * block, mul, mul, dM, e * nnz, dR, e * mul, null, 0, 0);
            }
        }
        return dR[dR.length - 1];
    }

    /**
     * dH only, edge by edge: the kernel contract's dH path. The engine's sender pass no longer uses it
     * (since session 7 it runs {@code edgeMessageSegment} on the transposed triple, what {@code forward}-style
     * segment benchmarks measure); kept as the reference point of that change.
     */
    @Benchmark
    public float backwardSender() {
        int block = dk * mul;
        for (int i = 0; i < NODES; i++) {
            for (int e = offsets[i]; e < offsets[i + 1]; e++) {
                int s = senders[e];
                k.edgeMessageBackward(dk, kPtr, jIdx, mVals, e * nnz, r, e * mul, h, s * dj * mul, mul,
                        dOut, i * block, mul, mul, null, 0, null, 0, dH, s * dj * mul, mul);
            }
        }
        return dH[dH.length - 1];
    }
}
