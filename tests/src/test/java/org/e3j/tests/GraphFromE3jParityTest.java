package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.e3j.layers.graph.GraphExecutor;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * e3j's own Potential as a model graph, run by the graph executor, against the hand-written
 * version-1 reference (ReferenceModel + ReferenceForces) on the same fixture input, both in double.
 * The graphs ({@code src/test/resources/graph-from-e3j/}) were written from the version-1 fixture
 * models by {@code python -m e3j_jax.export --from e3j tests/fixtures/<case>/model.safetensors -o ...}
 * (deterministic). They exercise what the package fixtures do not: embed, concat, LayerNorm MLPs
 * with biases, gelu/soft_odd gates on odd and even irreps up to l = 5, per-species scale/shift, and
 * (batch3) several graphs per batch with a stress each.
 */
class GraphFromE3jParityTest {
    static final double TOL = 1e-10;

    @TestFactory
    Stream<DynamicTest> graphEqualsTheVersion1Reference() {
        return Stream.of("potential_crystal32", "potential_batch3").map(c -> DynamicTest.dynamicTest(c, () -> {
            ModelGraph graph = ModelGraph.load(resource("graph-from-e3j/" + c + ".safetensors"));
            ReferenceModel v1 = ReferenceModel.load(Fixtures.root().resolve(c).resolve("model.safetensors"));
            SafeTensors f = SafeTensors.open(Fixtures.root().resolve(c).resolve("fixture.safetensors"));
            ModelInput in = Fixtures.input(f);
            double[] cells = f.contains("input/cell") ? f.doubles("input/cell") : null;
            boolean[] pbc = null;
            if (f.contains("input/pbc")) {
                int[] p = f.ints("input/pbc");
                pbc = new boolean[p.length];
                for (int i = 0; i < p.length; i++) {
                    pbc[i] = p[i] != 0;
                }
            }
            ReferenceForces.Result want = ReferenceForces.compute(v1, in, cells, pbc);
            // the version-1 reference divides by the float32 gate constants (docs/model-format.md), so the
            // graph runs with its recorded c_f32 here; with c_f64 the two differ by ~1e-7 relative
            ReferenceForces.Result got = new GraphExecutor(graph, true).compute(in, cells, pbc);
            double f64 = Math.abs(new GraphExecutor(graph).compute(in, cells, pbc).energy()[0] - want.energy()[0])
                    / Math.max(1.0, Math.abs(want.energy()[0]));
            double worst = 0;
            for (double[][] pair : List.of(new double[][] {want.energy(), got.energy()},
                    new double[][] {want.atomEnergies(), got.atomEnergies()},
                    new double[][] {want.forces(), got.forces()}, new double[][] {want.stress(), got.stress()})) {
                for (int k = 0; k < pair[0].length; k++) {
                    worst = Math.max(worst, Math.abs(pair[0][k] - pair[1][k]) / Math.max(1.0, Math.abs(pair[0][k])));
                }
            }
            assertArrayEquals(want.stressValid(), got.stressValid());
            boolean anyStress = false;
            for (boolean v : want.stressValid()) {
                anyStress |= v;
            }
            System.out.printf("%-20s graph executor vs version-1 reference (double): worst %.2e (%d graphs, stress %s);"
                    + " with c_f64 gate constants the energy differs by %.2e%n", c, worst, in.numGraphs(), anyStress, f64);
            assertTrue(f64 > 0 && f64 < 1e-5, "c_f64 vs c_f32: " + f64);
            assertTrue(worst <= TOL, c + ": " + worst);
        }));
    }

    /**
     * The fast graph plan on e3j's own exported Potentials (spherical harmonics as the product's first
     * operand: the plan swaps the channel roles; LayerNorm MLPs; concat; gelu / soft_odd gates; batches
     * of 3 structures with stress): energy, atom energies, forces and stress within 1e-5 max(1, |ref|)
     * of the version-1 double reference.
     */
    @TestFactory
    Stream<DynamicTest> fastPlanEqualsTheVersion1Reference() {
        return Stream.of("potential_crystal32", "potential_batch3").map(c -> DynamicTest.dynamicTest(c, () -> {
            ModelGraph graph = ModelGraph.load(resource("graph-from-e3j/" + c + ".safetensors"));
            ReferenceModel v1 = ReferenceModel.load(Fixtures.root().resolve(c).resolve("model.safetensors"));
            SafeTensors f = SafeTensors.open(Fixtures.root().resolve(c).resolve("fixture.safetensors"));
            ModelInput in = Fixtures.input(f);
            double[] cells = f.contains("input/cell") ? f.doubles("input/cell") : null;
            ReferenceForces.Result want = ReferenceForces.compute(v1, in, cells, null);
            org.e3j.plan.GraphPlan plan = org.e3j.plan.GraphPlanner.compile(graph);
            assertEquals(graph.nodes().stream().filter(n -> n.op().equals("scatter_sum")).count(), plan.fused().size(),
                    "message blocks fused: " + plan.fused());
            try (org.e3j.plan.PlanWorkspace ws = new org.e3j.plan.PlanWorkspace(plan, 2)) {
                ws.evaluate(in.numNodes(), in.numEdges(), in.positions(), in.numbers(), in.senders(), in.receivers(),
                        in.shifts(), in.nNode(), true);
                double worst = 0;
                double[] forces = new double[3 * in.numNodes()];
                ws.forces(forces);
                for (int g = 0; g < in.numGraphs(); g++) {
                    worst = Math.max(worst, rel(ws.energy(g), want.energy()[g]));
                    if (cells != null && want.stressValid()[g]) {
                        double[] v = new double[9];
                        ws.virial(g, v, 0);
                        double vol = Math.abs(GraphFixtureParityTest.det(java.util.Arrays.copyOfRange(cells, 9 * g,
                                9 * g + 9)));
                        double[] stress = {-v[0] / vol, -v[4] / vol, -v[8] / vol, -v[5] / vol, -v[2] / vol, -v[1] / vol};
                        for (int k = 0; k < 6; k++) {
                            worst = Math.max(worst, rel(stress[k], want.stress()[6 * g + k]));
                        }
                    }
                }
                for (int i = 0; i < in.numNodes(); i++) {
                    worst = Math.max(worst, rel(ws.atomEnergy(i), want.atomEnergies()[i]));
                }
                for (int k = 0; k < forces.length; k++) {
                    worst = Math.max(worst, rel(forces[k], want.forces()[k]));
                }
                System.out.printf("%-20s fast graph plan vs version-1 reference: worst %.2e (%d graphs, %d fused blocks)%n",
                        c, worst, in.numGraphs(), plan.fused().size());
                assertTrue(worst <= 1e-5, c + ": " + worst);
            }
        }));
    }

    static double rel(double got, double ref) {
        return Math.abs(got - ref) / Math.max(1.0, Math.abs(ref));
    }

    static SafeTensors resource(String name) throws java.io.IOException {
        try (var s = GraphFromE3jParityTest.class.getClassLoader().getResourceAsStream(name)) {
            if (s == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return SafeTensors.parse("classpath:" + name, ByteBuffer.wrap(s.readAllBytes()));
        }
    }
}
