package org.e3j.perf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastWorkspace;
import org.e3j.layers.io.SafeTensors;
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
 * End-to-end forward latency of the fast engine on the three cases (run from the repository
 * root, or pass {@code -jvmArgsAppend -De3j.root=DIR}):
 * <ul>
 *   <li>S: the seed's own example (tests/fixtures/seed_example: 3 atoms, its config), node features;</li>
 *   <li>M: biphenyl (22 atoms, 5 Å radius graph), perf/models/potential_bench.safetensors, energy;</li>
 *   <li>C: fcc Cu, 256 atoms periodic, 5 Å cutoff (42 neighbours), same model, energy;</li>
 *   <li>M-l1x16, C-l1x16, M-l2x8, C-l2x8 (issue #13's small models): the structures M and C with
 *       perf/models/potential_l1x16.safetensors (sh_lmax 1, 16x0e + 16x1o, 2 layers: the shape of
 *       the bundled models/cu-emt) or potential_l2x8.safetensors (sh_lmax 2, 8x0e + 8x1o + 8x2e,
 *       3 layers), energy. A case is STRUCTURE-MODEL.</li>
 * </ul>
 * The graph is staged once (setInput); the benchmark is {@code forward()}. {@code main} prints the
 * useful flops of one forward per case (sparse CG + GEMMs, as counted by {@link FastModel#flops}) and
 * the energy (potential cases), which perf/side_by_side.sh compares with e3nn-jax's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"}, jvmArgsAppend = {"-XX:+UseParallelGC",
        JitFlags.QUIET, JitFlags.DONTINLINE_KERNELS, JitFlags.DONTINLINE_RADIAL, JitFlags.DONTINLINE_EDGE,
        JitFlags.DONTINLINE_GEMM, JitFlags.DONTINLINE_ACTIVATIONS, JitFlags.INLINE_MATH})
public class ModelForwardBench {

    /** Every case, in the order of the summary table. */
    static final String[] CASES = {"S", "M", "C", "M-l1x16", "C-l1x16", "M-l2x8", "C-l2x8"};

    @Param({"S", "M", "C", "M-l1x16", "C-l1x16", "M-l2x8", "C-l2x8"})
    public String bcase;

    @Param({"1", "2"})
    public int threads;

    /** Vector width in bits ({@code -De3j.kernels.bits}, set in the fork before the kernels load); 0 = the CPU's preferred. */
    @Param({"0"})
    public int bits;

    FastWorkspace ws;
    ModelInput input;

    static Path root() {
        String r = System.getProperty("e3j.root");
        if (r != null) {
            return Path.of(r);
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("perf/models"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("run from the repository root or pass -De3j.root=DIR");
        }
        return p;
    }

    /** The model file of a case: S the seed's, STRUCTURE-NAME perf/models/potential_NAME, else the bench model. */
    static Path modelFile(String c) {
        int dash = c.indexOf('-');
        return c.equals("S") ? root().resolve("tests/fixtures/seed_example/model.safetensors")
                : root().resolve("perf/models/potential_" + (dash < 0 ? "bench" : c.substring(dash + 1))
                        + ".safetensors");
    }

    /** The input of a case (its structure: the part before the dash). */
    static ModelInput input(String c) {
        int dash = c.indexOf('-');
        String structure = dash < 0 ? c : c.substring(0, dash);
        Path f = structure.equals("S") ? root().resolve("tests/fixtures/seed_example/fixture.safetensors")
                : root().resolve("perf/models/case_" + structure + ".safetensors");
        SafeTensors t = SafeTensors.open(f);
        return new ModelInput(t.ints("input/numbers"), t.doubles("input/positions"), t.ints("input/senders"),
                t.ints("input/receivers"), t.contains("input/shifts") ? t.doubles("input/shifts") : null,
                t.ints("input/n_node"));
    }

    @Setup(Level.Trial)
    public void setup() {
        if (bits != 0) {
            System.setProperty(Impls.BITS_PROPERTY, Integer.toString(bits));
        }
        FastModel fm = FastModel.compile(ReferenceModel.load(modelFile(bcase)));
        input = input(bcase);
        if (bits != 0 && 32 * fm.kernels().vectorLanes() != bits) {
            throw new IllegalStateException("asked for " + bits + "-bit vectors but got " + fm.kernels().name());
        }
        ws = new FastWorkspace(fm, threads, input.numNodes(), input.numEdges());
        ws.setInput(input);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ws.close();
    }

    @Benchmark
    public FastWorkspace forward() {
        ws.forward();
        return ws;
    }

    /**
     * Prints {@code case nodes edges flops energy modelFlops} per case (the given cases, else all):
     * flops as executed (tables) and as the model defines them (radial MLP per edge); the energy is
     * the fast engine's (one thread), {@code nan} for S (node features).
     */
    public static void main(String[] args) {
        for (String c : args.length > 0 ? args : CASES) {
            FastModel fm = FastModel.compile(ReferenceModel.load(modelFile(c)));
            ModelInput in = input(c);
            double energy = Double.NaN;
            if (!c.equals("S")) {
                try (FastWorkspace w = new FastWorkspace(fm, 1, in.numNodes(), in.numEdges())) {
                    w.setInput(in);
                    w.forward();
                    energy = w.energy(0);
                }
            }
            System.out.printf("%s %d %d %.0f %.9g %.0f%n", c, in.numNodes(), in.numEdges(),
                    fm.flops(in.numNodes(), in.numEdges()), energy, fm.modelFlops(in.numNodes(), in.numEdges()));
        }
    }
}
