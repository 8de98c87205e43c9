package org.e3j.perf;

import java.util.concurrent.TimeUnit;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.engine.kernels.JitFlags;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Energy + forces + stress (forward and the analytic float32 backward, {@link FastPotential#compute})
 * on the potential cases of {@link ModelForwardBench} (M, C and the small models' M-l1x16, C-l1x16,
 * M-l2x8, C-l2x8); the graph is staged once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"}, jvmArgsAppend = {"-XX:+UseParallelGC",
        JitFlags.QUIET, JitFlags.DONTINLINE_KERNELS, JitFlags.DONTINLINE_RADIAL, JitFlags.DONTINLINE_EDGE,
        JitFlags.DONTINLINE_GEMM, JitFlags.DONTINLINE_ACTIVATIONS, JitFlags.INLINE_MATH})
public class ModelForcesBench {

    @Param({"M", "C", "M-l1x16", "C-l1x16", "M-l2x8", "C-l2x8"})
    public String bcase;

    @Param({"1", "2"})
    public int threads;

    FastPotential pot;
    ModelInput in;
    /**
     * The cell every timing tool passes with the bench structures: it only divides the virial into a
     * stress (the edges and shifts are staged already), so the stress is part of what is timed.
     * Read-only.
     */
    static final double[] CELL = {14.44, 0, 0, 0, 14.44, 0, 0, 0, 14.44};
    double[] forces;
    double[] stress = new double[6];

    @Setup(Level.Trial)
    public void setup() {
        pot = new FastPotential(FastModel.compile(ReferenceModel.load(ModelForwardBench.modelFile(bcase))), threads);
        in = ModelForwardBench.input(bcase);
        pot.setGraph(in.numNodes(), in.numbers(), in.positions(), in.numEdges(), in.senders(), in.receivers(),
                in.shifts());
        forces = new double[3 * in.numNodes()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pot.close();
    }

    @Benchmark
    public double energyForcesStress() {
        return pot.compute(in.positions(), null, CELL, forces, stress, null);
    }
}
