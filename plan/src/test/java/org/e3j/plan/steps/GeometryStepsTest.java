package org.e3j.plan.steps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.e3j.engine.E3jException;
import org.e3j.layers.graph.GraphExecutor;
import org.e3j.layers.graph.MlpOp;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.graph.ScalarOps;
import org.e3j.layers.graph.ValueType;
import org.e3j.layers.io.Json;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every node of the geometry/scalar ops, as a float32 step, against the double reference op on the same
 * inputs: forward values within 1e-5·max(1,|ref|) of {@code GraphExecutor.trace}'s node values, and the
 * reverse pass (for the trace's own energy gradient of the node and for a random gradient) within the
 * same tolerance of the double op's {@code backward}. Forward and every backward phase are also run over
 * uneven row ranges and must give the same bits as one range. Graphs: the six package fixtures, e3j's two
 * exported Potentials (embed, LayerNorm MLPs with bias, lmax 5 "norm" harmonics, p = 6) and
 * {@link SyntheticGraphs} variants for every attribute branch the steps have.
 */
class GeometryStepsTest {
    static final Set<String> OPS = Set.of("species_from_atomic_numbers", "one_hot", "embed", "relative_vectors", "norm",
            "spherical_harmonics", "bessel", "polynomial_envelope", "smoothstep_envelope", "mul", "mlp");
    static final double TOL = 1e-5;
    static final Path ROOT = Path.of("../tests");

    record Case(String name, ModelGraph graph, ModelInput input) {}

    // ------------------------------------------------------------------ cases

    @TestFactory
    Stream<DynamicTest> packageFixtures() throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(ROOT.resolve("fixtures/graph"))) {
            dirs = s.filter(p -> Files.isRegularFile(p.resolve("model.safetensors"))).sorted().toList();
        }
        assertEquals(8, dirs.size(), "graph fixtures");
        return dirs.stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> {
            Case c = new Case(d.getFileName().toString(), ModelGraph.load(d.resolve("model.safetensors")),
                    fixtureInput(d.resolve("expected.json")));
            Map<String, Integer> counts = check(c);
            for (String op : List.of("species_from_atomic_numbers", "one_hot", "relative_vectors", "norm",
                    "spherical_harmonics", "bessel", "mul", "mlp")) {
                assertTrue(counts.getOrDefault(op, 0) > 0, c.name + ": no " + op + " checked");
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> e3jExportedPotentials() {
        return Stream.of("potential_crystal32", "potential_batch3").map(name -> DynamicTest.dynamicTest(name, () -> {
            ModelGraph g = ModelGraph.load(ROOT.resolve("src/test/resources/graph-from-e3j/" + name + ".safetensors"));
            SafeTensors f = SafeTensors.open(ROOT.resolve("fixtures/" + name + "/fixture.safetensors"));
            ModelInput in = new ModelInput(f.ints("input/numbers"), f.doubles("input/positions"),
                    f.ints("input/senders"), f.ints("input/receivers"),
                    f.contains("input/shifts") ? f.doubles("input/shifts") : null, f.ints("input/n_node"));
            Map<String, Integer> counts = check(new Case(name, g, in));
            assertTrue(counts.getOrDefault("embed", 0) > 0 && counts.getOrDefault("mlp", 0) > 0, counts.toString());
        }));
    }

    @TestFactory
    Stream<DynamicTest> syntheticVariants() {
        return SyntheticGraphs.VARIANTS.stream().map(v -> DynamicTest.dynamicTest(v.name(), () -> {
            Case c = new Case(v.name(), SyntheticGraphs.build(v), SyntheticGraphs.input(v.withShifts()));
            Map<String, Integer> counts = check(c);
            assertEquals(Set.of("species_from_atomic_numbers", "one_hot", "embed", "relative_vectors", "norm",
                    "spherical_harmonics", "bessel", v.envelope().startsWith("poly") ? "polynomial_envelope"
                            : "smoothstep_envelope", "mul", "mlp"), counts.keySet());
        }));
    }

    @Test
    void unknownAtomicNumberIsRefusedNamingAtomAndZ() {
        ModelGraph g = SyntheticGraphs.build(SyntheticGraphs.VARIANTS.get(0));
        ModelInput in = SyntheticGraphs.input(true);
        int k = indexOf(g, "species");
        ModelGraph.Node n = g.nodes().get(k);
        Step s = GeometrySteps.create(context(g, k));
        PlanBuffers b = buffers(g, in, new GraphExecutor(g, true).trace(in), n);
        b.index[n.inputIndex()[0]][5] = 26;
        E3jException e = assertThrows(E3jException.class, () -> s.forward(b, 0, b.nodes, new float[0]));
        assertTrue(e.getMessage().contains("node \"species\"") && e.getMessage().contains("atom 5")
                && e.getMessage().contains("atomic number 26"), e.getMessage());
        int oh = indexOf(g, "one_hot");
        ModelGraph.Node o = g.nodes().get(oh);
        PlanBuffers b2 = buffers(g, in, new GraphExecutor(g, true).trace(in), o);
        b2.index[o.inputIndex()[0]][2] = -1; // an executor-given species of an unknown element
        Step s2 = GeometrySteps.create(context(g, oh));
        assertThrows(E3jException.class, () -> s2.forward(b2, 0, b2.nodes, new float[0]));
    }

    /** No step allocates in forward or backward (the JVM's per-thread allocation counter). */
    @Test
    void forwardAndBackwardAllocateNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        for (SyntheticGraphs.Variant v : SyntheticGraphs.VARIANTS) {
            ModelGraph g = SyntheticGraphs.build(v);
            ModelInput in = SyntheticGraphs.input(v.withShifts());
            GraphExecutor.Trace t = new GraphExecutor(g, true).trace(in);
            for (int k = 0; k < g.nodes().size(); k++) {
                ModelGraph.Node n = g.nodes().get(k);
                if (!OPS.contains(n.op())) {
                    continue;
                }
                Step s = GeometrySteps.create(context(g, k));
                PlanBuffers b = buffers(g, in, t, n);
                if (n.out().isFloat()) {
                    b.grad[k] = new float[b.value[k].length];
                    java.util.Arrays.fill(b.grad[k], 0.5f);
                }
                for (int i : n.inputIndex()) {
                    if (b.value[i] != null) {
                        b.grad[i] = new float[b.value[i].length];
                    }
                }
                float[] scratch = new float[s.scratchFloats()];
                Step.Domain[] phases = s.backwardPhases();
                int rows = rows(b, n.out().domain());
                // windows of runs until one allocates nothing: first calls resolve classes and constants, and
                // the MLP's vector kernels box their vectors until C2 has compiled them
                long until = System.nanoTime() + 30_000_000_000L;
                int runs = n.op().equals("mlp") ? 50 : 3;
                long bytes;
                do {
                    long empty = mx.getThreadAllocatedBytes(tid);
                    long before = mx.getThreadAllocatedBytes(tid);
                    for (int rep = 0; rep < runs; rep++) {
                        s.forward(b, 0, rows, scratch);
                        for (int p = 0; p < phases.length; p++) {
                            s.backward(p, b, 0, rows(b, phases[p]), scratch);
                        }
                    }
                    long after = mx.getThreadAllocatedBytes(tid);
                    bytes = (after - before) - (before - empty); // minus what the counter itself costs
                } while (bytes > 0 && System.nanoTime() < until);
                assertEquals(0, bytes, v.name() + " node " + n.name() + ": bytes allocated by forward + backward");
            }
        }
    }

    @Test
    void otherOpsAreNotThisFamily() {
        ModelGraph g = SyntheticGraphs.build(SyntheticGraphs.VARIANTS.get(0));
        for (int k = 0; k < g.nodes().size(); k++) {
            if (!OPS.contains(g.nodes().get(k).op()) && !g.nodes().get(k).op().equals("input")) {
                assertNull(GeometrySteps.create(context(g, k)), g.nodes().get(k).op());
            }
        }
    }

    // ------------------------------------------------------------------ the check

    /** Checks every node of the family in the case; returns how many nodes of each op were checked. */
    static Map<String, Integer> check(Case c) {
        GraphExecutor.Trace t = new GraphExecutor(c.graph, true).trace(c.input);
        Map<String, Integer> counts = new TreeMap<>();
        List<ModelGraph.Node> nodes = c.graph.nodes();
        double worstF = 0;
        double worstB = 0;
        for (int k = 0; k < nodes.size(); k++) {
            ModelGraph.Node n = nodes.get(k);
            if (!OPS.contains(n.op())) {
                continue;
            }
            double[] w = checkNode(c, t, k);
            worstF = Math.max(worstF, w[0]);
            worstB = Math.max(worstB, w[1]);
            counts.merge(n.op(), 1, Integer::sum);
        }
        System.out.printf("%-34s %s: worst forward %.2e, reverse %.2e%n", c.name, counts, worstF, worstB);
        return counts;
    }

    static int rows(PlanBuffers b, String domain) {
        return switch (domain) {
            case "node" -> b.nodes;
            case "edge" -> b.edges;
            default -> b.graphs;
        };
    }

    static int rows(PlanBuffers b, Step.Domain d) {
        return switch (d) {
            case NODE -> b.nodes;
            case EDGE -> b.edges;
            case GRAPH -> b.graphs;
        };
    }

    /** Returns {worst forward error, worst reverse error}, relative to max(1, |ref|). */
    static double[] checkNode(Case c, GraphExecutor.Trace t, int k) {
        ModelGraph g = c.graph;
        ModelGraph.Node n = g.nodes().get(k);
        String where = c.name + " node \"" + n.name() + "\" (" + n.op() + ")";
        Step step = GeometrySteps.create(context(g, k));
        assertNotNull(step, where);
        PlanBuffers b = buffers(g, c.input, t, n);
        float[] scratch = new float[step.scratchFloats()];
        int rows = rows(b, n.out().domain());
        step.forward(b, 0, rows, scratch);
        // the reference runs on exactly the (float) inputs the step saw, so that only the step's own
        // arithmetic is compared, not the sensitivity of the op to the rounding of its inputs
        int[] ins = n.inputIndex();
        Object[] args = new Object[ins.length];
        for (int a = 0; a < ins.length; a++) {
            args[a] = b.value[ins[a]] != null ? toDouble(b.value[ins[a]]) : b.index[ins[a]].clone();
        }
        Object refOut = n.compiled().forward(t.run(), args);
        double worstF = 0;
        if (n.out().isFloat()) {
            worstF = compare(where + " forward", b.value[k], (double[]) refOut);
            compareLoosely(where + " forward against the trace", b.value[k], (double[]) t.values()[k]);
            float[] whole = b.value[k].clone();
            java.util.Arrays.fill(b.value[k], Float.NaN);
            for (int[] r : splits(rows)) {
                step.forward(b, r[0], r[1], scratch);
            }
            assertArrayEquals(whole, b.value[k], where + ": forward over split ranges");
        } else {
            assertArrayEquals((int[]) refOut, b.index[k], where + " forward");
        }
        double worstB = 0;
        if (!step.differentiable()) {
            return new double[] {worstF, 0};
        }
        Random rnd = new Random(k);
        List<double[]> gradients = new ArrayList<>();
        if (t.grads()[k] != null) {
            gradients.add(t.grads()[k]);
        }
        double[] random = new double[b.value[k].length];
        for (int i = 0; i < random.length; i++) {
            random[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        gradients.add(random);
        for (double[] gd : gradients) {
            b.grad[k] = toFloat(gd);
            for (int a = 0; a < ins.length; a++) {
                if (b.value[ins[a]] != null) {
                    b.grad[ins[a]] = new float[b.value[ins[a]].length];
                }
            }
            Step.Domain[] phases = step.backwardPhases();
            for (int p = 0; p < phases.length; p++) {
                step.backward(p, b, 0, rows(b, phases[p]), scratch);
            }
            double[][] gIn = new double[ins.length][];
            for (int a = 0; a < ins.length; a++) {
                if (args[a] instanceof double[] v) {
                    gIn[a] = new double[v.length];
                }
            }
            double[] gRef = new double[gd.length];
            for (int i = 0; i < gd.length; i++) {
                gRef[i] = b.grad[k][i]; // the same (float) gradient for both
            }
            n.compiled().backward(t.run(), args, refOut, gRef, gIn);
            List<float[]> whole = new ArrayList<>();
            for (int a = 0; a < ins.length; a++) {
                if (gIn[a] != null) {
                    worstB = Math.max(worstB, compare(where + " reverse, input " + a, b.grad[ins[a]], gIn[a],
                            reverseTolerance(n), cancellation(n, args, refOut, gRef)));
                    whole.add(b.grad[ins[a]].clone());
                    java.util.Arrays.fill(b.grad[ins[a]], 0f);
                }
            }
            for (int p = 0; p < phases.length; p++) {
                for (int[] r : splits(rows(b, phases[p]))) {
                    step.backward(p, b, r[0], r[1], scratch);
                }
            }
            int w = 0;
            for (int a = 0; a < ins.length; a++) {
                if (gIn[a] != null) {
                    assertArrayEquals(whole.get(w++), b.grad[ins[a]], where + ": reverse over split ranges, input " + a);
                }
            }
        }
        return new double[] {worstF, worstB};
    }

    /** Uneven ranges covering [0, rows), in reverse order (a step must not depend on the order either). */
    static List<int[]> splits(int rows) {
        int a = Math.min(rows, 1);
        int m = Math.max(a, rows * 2 / 3 - 1);
        List<int[]> r = new ArrayList<>(List.of(new int[] {m, rows}, new int[] {a, m}, new int[] {0, a}));
        return r;
    }

    /**
     * A LayerNorm over small pre-activations amplifies float32 rounding in the reverse pass by its 1/std
     * (measured: up to 27 on e3j's potential_crystal32, whose radial MLP inputs vanish at the cutoff, giving
     * 1.5e-5 relative in one input gradient, in the fused kernel and the plain loops alike; any float32
     * implementation has it). A wrong derivative is off by O(1), far above either tolerance.
     */
    static double reverseTolerance(ModelGraph.Node n) {
        return n.compiled() instanceof MlpOp m && m.layerNorm() ? 10 * TOL : TOL;
    }

    /**
     * With normalize, the harmonics' reverse pass projects out the radial part of the gradient, which is
     * {@code sum_c l_c g_c Y_c / |r|} (Euler: Y^l is homogeneous of degree l) and cancels exactly: float32
     * keeps ~eps32 of the terms' size there (measured 1.4e-5 absolute at lmax 11 with a random gradient on
     * every column, where the terms sum to ~200). Returns, per input element, 1e-6 (~8 eps32) times
     * {@code sum_c l_c |g_c Y_c| / |r|}; null for every other op.
     */
    static double[] cancellation(ModelGraph.Node n, Object[] args, Object refOut, double[] g) {
        if (!(n.compiled() instanceof ScalarOps.Harmonics h) || !h.harmonics().normalize()) {
            return null;
        }
        double[] v = (double[]) args[0];
        double[] y = (double[]) refOut;
        int[] cols = h.columns();
        int w = cols.length;
        double[] allow = new double[v.length];
        for (int e = 0; e < v.length / 3; e++) {
            double r = Math.sqrt(v[3 * e] * v[3 * e] + v[3 * e + 1] * v[3 * e + 1] + v[3 * e + 2] * v[3 * e + 2]);
            double sum = 0;
            for (int c = 0; c < w; c++) {
                sum += (int) Math.sqrt(cols[c]) * Math.abs(g[e * w + c] * y[e * w + c]);
            }
            for (int a = 0; a < 3; a++) {
                allow[3 * e + a] = r > 0 ? 1e-6 * sum / r : 0.0;
            }
        }
        return allow;
    }

    static double compare(String where, float[] got, double[] ref) {
        return compare(where, got, ref, TOL, null);
    }

    /** Worst |got - ref| / max(1, |ref|), asserted <= tol after subtracting the absolute allowance (if any). */
    static double compare(String where, float[] got, double[] ref, double tol, double[] allowance) {
        assertEquals(ref.length, got.length, where + ": length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < ref.length; i++) {
            double diff = Math.abs(got[i] - ref[i]);
            if (allowance != null) {
                diff = Math.max(0.0, diff - allowance[i]);
            }
            double e = diff / Math.max(1.0, Math.abs(ref[i]));
            if (!(e <= worst)) {
                worst = e;
                at = i;
            }
        }
        if (!(worst <= tol)) {
            throw new AssertionError(where + ": element " + at + " is " + got[at] + ", reference " + ref[at]
                    + " (relative error " + worst + ")");
        }
        return worst;
    }

    /** The step against the trace (double inputs): a float step must stay within the parity budget. */
    static void compareLoosely(String where, float[] got, double[] ref) {
        for (int i = 0; i < ref.length; i++) {
            double e = Math.abs(got[i] - ref[i]) / Math.max(1.0, Math.abs(ref[i]));
            assertTrue(e <= 10 * TOL, where + ": element " + i + " is " + got[i] + ", trace " + ref[i]);
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    static StepContext context(ModelGraph g, int k) {
        ModelGraph.Node n = g.nodes().get(k);
        List<ValueType> inTypes = new ArrayList<>();
        for (int i : n.inputIndex()) {
            inTypes.add(g.nodes().get(i).out());
        }
        return new StepContext(n.name(), n.op(), n.compiled(), n.inputIndex(), k, inTypes, n.out());
    }

    /** Float/int copies of the node's inputs from the trace, an output array, counts and edge CSRs. */
    static PlanBuffers buffers(ModelGraph g, ModelInput in, GraphExecutor.Trace t, ModelGraph.Node n) {
        PlanBuffers b = new PlanBuffers(g.nodes().size());
        b.nodes = in.numNodes();
        b.edges = in.numEdges();
        b.graphs = in.numGraphs();
        b.senders = in.senders().clone();
        b.receivers = in.receivers().clone();
        b.receiverStart = new int[b.nodes + 1];
        b.byReceiver = new int[b.edges];
        b.senderStart = new int[b.nodes + 1];
        b.bySender = new int[b.edges];
        PlanBuffers.groupEdges(b.receivers, b.edges, b.nodes, b.receiverStart, b.byReceiver);
        PlanBuffers.groupEdges(b.senders, b.edges, b.nodes, b.senderStart, b.bySender);
        b.nodeGraph = new int[b.nodes];
        b.graphStart = new int[b.graphs + 1];
        for (int gi = 0, a = 0; gi < b.graphs; gi++) {
            b.graphStart[gi + 1] = b.graphStart[gi] + in.nNode()[gi];
            for (int q = 0; q < in.nNode()[gi]; q++) {
                b.nodeGraph[a++] = gi;
            }
        }
        for (int i : n.inputIndex()) {
            Object v = t.values()[i];
            if (v instanceof double[] d) {
                b.value[i] = toFloat(d);
            } else {
                b.index[i] = ((int[]) v).clone();
            }
        }
        int k = g.nodes().indexOf(n);
        int rows = rows(b, n.out().domain());
        if (n.out().isFloat()) {
            b.value[k] = new float[rows * n.out().dim()];
        } else {
            b.index[k] = new int[rows];
        }
        return b;
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    static int indexOf(ModelGraph g, String name) {
        for (int k = 0; k < g.nodes().size(); k++) {
            if (g.nodes().get(k).name().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException(name);
    }

    @SuppressWarnings("unchecked")
    static ModelInput fixtureInput(Path expected) throws IOException {
        Map<String, Object> exp = (Map<String, Object>) Json.parse(Files.readString(expected));
        Map<String, Object> s = (Map<String, Object>) exp.get("structure");
        int[] z = ints(s.get("atomic_numbers"));
        return new ModelInput(z, flat(s.get("positions")), ints(s.get("senders")), ints(s.get("receivers")),
                flat(s.get("shifts")), new int[] {z.length});
    }

    static double[] flat(Object o) {
        List<?> l = (List<?>) o;
        if (!l.isEmpty() && l.get(0) instanceof List<?>) {
            return l.stream().flatMapToDouble(r -> ((List<?>) r).stream().mapToDouble(x -> ((Number) x).doubleValue()))
                    .toArray();
        }
        return l.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
    }

    static int[] ints(Object o) {
        return ((List<?>) o).stream().mapToInt(x -> (int) (long) (Long) x).toArray();
    }
}
