package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.e3j.layers.graph.GraphExecutor;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.model.ModelInput;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.model.GraphFastForceField;
import org.e3j.plan.GraphPlan;
import org.e3j.plan.GraphPlanner;
import org.e3j.plan.PlanWorkspace;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fast graph plan ({@link GraphPlanner}, float32) on every fixture of {@code tests/fixtures/graph/}
 * (made by nequip-eqx's and jax-md's own apply functions): energy, forces and (periodic) stress within
 * {@code 1e-5 * max(1, |ref|)} of the package's own float32 output; every node's value and gradient
 * against the double executor (so a wrong step is named, not only a wrong energy); on larger systems,
 * bit-identical results at 1 and 2 threads and no allocation per MD step.
 */
class GraphPlanParityTest {

    static double[] stress(PlanWorkspace ws, double[] cell) {
        double[] v = new double[9];
        ws.virial(0, v, 0);
        double vol = Math.abs(GraphFixtureParityTest.det(cell));
        return new double[] {-v[0] / vol, -v[4] / vol, -v[8] / vol, -v[5] / vol, -v[2] / vol, -v[1] / vol};
    }

    static void evaluate(PlanWorkspace ws, ModelInput in, boolean gradients) {
        ws.evaluate(in.numNodes(), in.numEdges(), in.positions(), in.numbers(), in.senders(), in.receivers(),
                in.shifts(), in.nNode(), gradients);
    }

    @TestFactory
    Stream<DynamicTest> packageFloat32() throws IOException {
        List<Path> cases = GraphFixtureParityTest.cases();
        assertTrue(cases.size() >= 6);
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Map<String, Object> exp = GraphFixtureParityTest.expected(dir);
            ModelGraph graph = ModelGraph.load(dir.resolve("model.safetensors"));
            ModelInput in = GraphFixtureParityTest.input(exp);
            double[] cell = GraphFixtureParityTest.cell(exp);
            GraphPlan plan = GraphPlanner.compile(graph);
            // every layer's messages run as one fused block: nequip-eqx's tensor_product + scale_irreps (radial)
            // + scatter_sum, jax-md's tensor_product_uvu + simplify + scatter_sum
            assertEquals(graph.nodes().stream().filter(n -> n.op().equals("scatter_sum")).count(), plan.fused().size(),
                    "fused message blocks: " + plan.fused());
            try (PlanWorkspace ws = new PlanWorkspace(plan, 1)) {
                evaluate(ws, in, true);
                double[] f = new double[3 * in.numNodes()];
                ws.forces(f);
                double we = GraphFixtureParityTest.worst(new double[] {ws.energy(0)},
                        new double[] {((Number) exp.get("energy")).doubleValue()}, false);
                double wf = GraphFixtureParityTest.worst(f, GraphFixtureParityTest.flat(exp.get("forces")), false);
                double ws6 = 0;
                if (exp.containsKey("stress")) {
                    ws6 = GraphFixtureParityTest.worst(stress(ws, cell), GraphFixtureParityTest.flat(exp.get("stress")),
                            false);
                }
                String line = String.format("fast graph plan %-32s vs package float32: energy %.2e forces %.2e stress %.2e",
                        dir.getFileName(), we, wf, ws6);
                System.out.println(line);
                assertTrue(we <= 1e-5 && wf <= 1e-5 && ws6 <= 1e-5, line);
            }
        }));
    }

    /** Every live node's float value and energy gradient against the double executor (float32 constants). */
    @TestFactory
    Stream<DynamicTest> nodeByNode() throws IOException {
        return GraphFixtureParityTest.cases().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(),
                () -> {
                    Map<String, Object> exp = GraphFixtureParityTest.expected(dir);
                    ModelGraph graph = ModelGraph.load(dir.resolve("model.safetensors"));
                    ModelInput in = GraphFixtureParityTest.input(exp);
                    GraphExecutor.Trace t = new GraphExecutor(graph, true).trace(in);
                    try (PlanWorkspace ws = new PlanWorkspace(GraphPlanner.compile(graph), 1)) {
                        evaluate(ws, in, true);
                        List<ModelGraph.Node> nodes = graph.nodes();
                        for (int k = 0; k < nodes.size(); k++) {
                            String name = nodes.get(k).name();
                            compare(name + " value", ws.valueOf(name), t.values()[k]);
                            compare(name + " gradient", ws.gradientOf(name), t.grads()[k]);
                        }
                    }
                }));
    }

    private static void compare(String what, float[] got, Object ref) {
        if (got == null || !(ref instanceof double[] r)) {
            return;
        }
        double scale = 1;
        for (double x : r) {
            scale = Math.max(scale, Math.abs(x));
        }
        double worst = 0;
        for (int k = 0; k < r.length; k++) {
            worst = Math.max(worst, Math.abs(got[k] - r[k]));
        }
        assertTrue(worst <= 1e-5 * scale, what + ": worst difference " + worst + " (scale " + scale + ")");
    }

    static AtomsSystem systemFor(ModelGraph graph, int reps) {
        boolean periodic = graph.takesShifts();
        return Crystals.fcc(reps, 3.61, graph.atomicNumbers(), 0.05, true, 3, periodic);
    }

    /** 1 and 2 threads give the same bits (energy, forces, stress), on every fixture's model. */
    @TestFactory
    Stream<DynamicTest> bitIdenticalAcrossThreads() throws IOException {
        return GraphFixtureParityTest.cases().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(),
                () -> {
                    ModelGraph graph = ModelGraph.load(dir.resolve("model.safetensors"));
                    AtomsSystem s = systemFor(graph, 3);
                    ForceResult[] r = new ForceResult[2];
                    for (int threads = 1; threads <= 2; threads++) {
                        try (GraphFastForceField ff = new GraphFastForceField(graph, threads, 0.5)) {
                            r[threads - 1] = new ForceResult().request(ForceResult.ALL);
                            ff.compute(s, r[threads - 1]);
                        }
                    }
                    assertEquals(Double.doubleToLongBits(r[0].energy()), Double.doubleToLongBits(r[1].energy()));
                    assertArrayEquals(r[0].forcesCopy(), r[1].forcesCopy());
                    assertArrayEquals(r[0].atomEnergiesCopy(), r[1].atomEnergiesCopy());
                    assertEquals(r[0].has(ForceResult.STRESS), r[1].has(ForceResult.STRESS));
                    if (r[0].has(ForceResult.STRESS)) {
                        assertArrayEquals(r[0].stressCopy(), r[1].stressCopy());
                    }
                    System.out.printf("fast graph plan %-32s %d atoms: 1 and 2 threads bit-identical (E = %.6f eV)%n",
                            dir.getFileName(), s.numAtoms(), r[0].energy());
                }));
    }

    /**
     * Steady-state force calls on an imported model allocate nothing (calling thread and workers): the
     * atoms move back and forth by 0.02 Å along a fixed random direction (a random-weight model is not
     * a physical potential, so real dynamics would collapse the crystal), which exercises the per-step
     * path of MD: the neighbour list's update within the skin, staging, forward and reverse pass.
     */
    /** Calls per measured window: the measurement itself allocates a few hundred bytes, spread over the window. */
    private static final int CALLS = 200;

    @TestFactory
    Stream<DynamicTest> forceCallsAllocateNothing() throws IOException {
        return Stream.of("nequip_eqx_lmax2_layers2_open", "jax_md_lmax3_layers3_periodic").map(name ->
                DynamicTest.dynamicTest(name, () -> {
                    ModelGraph graph = ModelGraph.load(GraphFixtureParityTest.root().resolve(name).resolve("model.safetensors"));
                    for (int threads = 1; threads <= 2; threads++) {
                        AtomsSystem s = systemFor(graph, 3);
                        double[] base = s.positions().clone();
                        double[] moved = base.clone();
                        double[] dir = new double[base.length];
                        SplittableRandom rnd = new SplittableRandom(9);
                        for (int k = 0; k < dir.length; k++) {
                            dir[k] = 0.02 * (rnd.nextDouble() - 0.5);
                        }
                        for (int flags : new int[] {ForceResult.ALL, ForceResult.ENERGY}) {
                            ForceResult out = new ForceResult(s.numAtoms()).request(flags);
                            try (GraphFastForceField ff = new GraphFastForceField(graph, threads, 1.0)) {
                                long best = Long.MAX_VALUE;
                                long until = System.nanoTime() + 90_000_000_000L;
                                int step = 0;
                                do {
                                    List<Thread> ts = FastAllocationTest.participants();
                                    long before = FastAllocationTest.allocated(ts);
                                    for (int i = 0; i < CALLS; i++, step++) {
                                        double f = (step % 2 == 0) ? 1 : 0;
                                        for (int k = 0; k < base.length; k++) {
                                            moved[k] = base[k] + f * dir[k];
                                        }
                                        s.setPositions(moved);
                                        ff.compute(s, out);
                                    }
                                    best = Math.min(best, (FastAllocationTest.allocated(ts) - before) / CALLS);
                                } while (best >= 16 && System.nanoTime() < until);
                                String what = flags == ForceResult.ENERGY ? "energy only (forward)" : "energy, forces, stress";
                                System.out.printf("force calls %s %d atoms, %d thread(s), %s: %d bytes per call%n", name,
                                        s.numAtoms(), threads, what, best);
                                assertTrue(best < 16, best + " bytes per force call (" + what + ") with " + threads
                                        + " threads");
                            }
                        }
                    }
                }));
    }
}
