package org.e3j.plan.steps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.TreeSet;
import java.util.stream.Stream;
import org.e3j.layers.graph.GraphExecutor;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.graph.ValueType;
import org.e3j.layers.io.Json;
import org.e3j.layers.model.ModelInput;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every float32 equivariant step against the double op it compiles, node by node: on each package
 * fixture of {@code tests/fixtures/graph} (nequip-eqx, jax-md) and on the synthetic graphs of
 * {@code src/test/resources/equivariant} (written by its {@code make_graphs.py}: the branches the
 * fixtures do not reach). For every node of these ops: the step's forward from float copies of the
 * inputs against the trace's double value, and its reverse pass (accumulating into non-zero
 * gradients) against the double op's own backward with the same output gradient, both within
 * {@code 1e-5 max(1, |ref|)}; and forward and reverse over 2-3 uneven row ranges bit-identical to one
 * range.
 */
class EquivariantStepsTest {
    static final double TOL = 1e-5;
    static final int WARMUP_ROUNDS = 20_000;
    static final Path FIXTURES = Path.of("../tests/fixtures/graph");
    static final Path SYNTHETIC = Path.of("src/test/resources/equivariant");
    static final Set<String> OPS = Set.of("linear", "scale_irreps", "simplify", "tensor_product", "tensor_product_uvu",
            "fully_connected_tensor_product", "gate");

    /** Worst error per op over the nodes checked (printed). */
    record Worst(int nodes, double forward, double backward) {}

    @TestFactory
    Stream<DynamicTest> packageFixtures() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(FIXTURES)) {
            cases = s.filter(p -> Files.isRegularFile(p.resolve("model.safetensors"))).sorted().toList();
        }
        assertEquals(8, cases.size(), "graph fixtures under " + FIXTURES.toAbsolutePath());
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            ModelGraph graph = ModelGraph.load(dir.resolve("model.safetensors"));
            Map<String, Worst> w = checkAll(graph, fixtureInput(dir), new Random(1));
            System.out.println(dir.getFileName() + ": " + w);
            assertTrue(w.keySet().containsAll(Set.of("linear", "gate")), w.toString());
        }));
    }

    @Test
    void syntheticGraphsCoverEveryOp() {
        Map<String, Worst> all = new TreeMap<>();
        for (String f : List.of("linear_tp", "weighted_tp", "gates")) {
            ModelGraph graph = ModelGraph.load(SYNTHETIC.resolve(f + ".safetensors"));
            // a small batch of two structures, and one with more rows than a GEMM block (LinearStep.BLOCK)
            for (int[] nNode : new int[][] {{4, 3}, {LinearStep.BLOCK + 9, 2}}) {
                Map<String, Worst> w = checkAll(graph, randomStructure(new Random(7), nNode), new Random(2));
                System.out.println(f + " " + java.util.Arrays.toString(nNode) + ": " + w);
                all.putAll(w);
            }
        }
        assertEquals(OPS, all.keySet());
    }

    /**
     * The double ops are the reference of the steps, and the fixtures do not reach every variant: on the
     * synthetic graphs the double executor must equal e3nn-jax itself (the Python interpreter's energy
     * and forces in float64, {@code *.expected.json}) within 1e-10 relative to max(1, |ref|).
     */
    @Test
    @SuppressWarnings("unchecked")
    void doubleOpsMatchE3nnJaxOnSyntheticGraphs() throws IOException {
        for (String f : List.of("linear_tp", "weighted_tp", "gates")) {
            ModelGraph graph = ModelGraph.load(SYNTHETIC.resolve(f + ".safetensors"));
            List<Object> cases = (List<Object>) Json.parse(Files.readString(SYNTHETIC.resolve(f + ".expected.json")));
            for (Object c : cases) {
                Map<String, Object> exp = (Map<String, Object>) c;
                Map<String, Object> s = (Map<String, Object>) exp.get("structure");
                int[] z = ints(s.get("atomic_numbers"));
                int[] snd = ints(s.get("senders"));
                ModelInput in = new ModelInput(z, flat(s.get("positions")), snd, ints(s.get("receivers")),
                        new double[3 * snd.length], ints(s.get("n_node")));
                Map<String, Object> ref = (Map<String, Object>) exp.get("float64");
                var r = new GraphExecutor(graph).compute(in, null, null);
                double we = relError(r.energy(), flat(ref.get("energy")));
                double wf = relError(r.forces(), flat(ref.get("forces")));
                System.out.printf("%s %s vs e3nn-jax float64: energy %.1e forces %.1e%n", f,
                        java.util.Arrays.toString(ints(s.get("n_node"))), we, wf);
                assertTrue(we <= 1e-10 && wf <= 1e-10, f + ": energy " + we + " forces " + wf);
            }
        }
    }

    static double relError(double[] got, double[] ref) {
        assertEquals(ref.length, got.length);
        double w = 0;
        for (int t = 0; t < ref.length; t++) {
            w = Math.max(w, Math.abs(got[t] - ref[t]) / Math.max(1.0, Math.abs(ref[t])));
        }
        return w;
    }

    /** Checks every node of this family; returns the worst errors per op. */
    static Map<String, Worst> checkAll(ModelGraph graph, ModelInput input, Random rnd) {
        GraphExecutor.Trace tr = new GraphExecutor(graph, true).trace(input);
        List<ModelGraph.Node> nodes = graph.nodes();
        Map<String, Worst> worst = new TreeMap<>();
        for (int k = 0; k < nodes.size(); k++) {
            ModelGraph.Node n = nodes.get(k);
            List<ValueType> inTypes = new ArrayList<>();
            for (int i : n.inputIndex()) {
                inTypes.add(nodes.get(i).out());
            }
            Step step = EquivariantSteps.create(new StepContext(n.name(), n.op(), n.compiled(), n.inputIndex(), k,
                    inTypes, n.out()));
            if (step == null) {
                assertTrue(!OPS.contains(n.op()), n.op() + " has no step");
                continue;
            }
            assertEquals(n.name(), step.node());
            double[] e = checkNode(graph, tr, input, k, step, rnd);
            Worst old = worst.getOrDefault(n.op(), new Worst(0, 0, 0));
            worst.put(n.op(), new Worst(old.nodes() + 1, Math.max(old.forward(), e[0]), Math.max(old.backward(), e[1])));
        }
        return worst;
    }

    /** {forward error, backward error} of one node; asserts both and the range-split bit identity. */
    static double[] checkNode(ModelGraph graph, GraphExecutor.Trace tr, ModelInput input, int k, Step step,
            Random rnd) {
        ModelGraph.Node n = graph.nodes().get(k);
        String what = "node " + n.name() + " (" + n.op() + ")";
        Object[] values = tr.values();
        PlanBuffers b = new PlanBuffers(graph.nodes().size());
        b.nodes = input.numNodes();
        b.edges = input.numEdges();
        b.graphs = input.numGraphs();
        int[] ins = n.inputIndex();
        Object[] args = new Object[ins.length];
        for (int a = 0; a < ins.length; a++) {
            args[a] = values[ins[a]];
            if (values[ins[a]] instanceof double[] d) {
                b.value[ins[a]] = toFloat(d);
                args[a] = toDouble(b.value[ins[a]]);
            } else {
                b.index[ins[a]] = ((int[]) values[ins[a]]).clone();
            }
        }
        // the reference: the double op on exactly the step's (float-rounded) inputs, so that what is compared
        // is the step's own arithmetic, not how the node amplifies the rounding of its inputs
        double[] ref = (double[]) n.compiled().forward(tr.run(), args);
        assertEquals(0.0, maxError(toFloat(ref), (double[]) values[k]), 1e-4, what + ": trace and re-run differ");
        int rows = switch (step.domain()) {
            case NODE -> b.nodes;
            case EDGE -> b.edges;
            case GRAPH -> b.graphs;
        };
        assertEquals(ref.length, rows * n.out().dim(), what);
        float[] scratch = new float[step.scratchFloats()];
        b.value[k] = new float[ref.length];
        java.util.Arrays.fill(b.value[k], Float.NaN);
        step.forward(b, 0, rows, scratch);
        float[] whole = b.value[k].clone();
        double fwd = maxError(whole, ref);
        assertTrue(fwd <= TOL, what + ": forward error " + fwd);
        int[][] ranges = split(rows);
        java.util.Arrays.fill(b.value[k], Float.NaN);
        for (int[] r : ranges) {
            step.forward(b, r[0], r[1], scratch);
        }
        assertArrayEquals(whole, b.value[k], what + ": forward over split ranges is not bit-identical");

        // reverse pass: accumulate into non-zero gradients, compared with the double op's backward
        float[] g = new float[ref.length];
        double[] gd = new double[ref.length];
        for (int t = 0; t < g.length; t++) {
            g[t] = (float) rnd.nextGaussian();
            gd[t] = g[t];
        }
        b.grad[k] = g;
        double[][] gIn = new double[ins.length][];
        float[][] start = new float[ins.length][];
        java.util.Map<Integer, double[]> bySlot = new java.util.HashMap<>();
        for (int a = 0; a < ins.length; a++) {
            if (b.value[ins[a]] != null && b.grad[ins[a]] == null) {
                float[] s0 = new float[b.value[ins[a]].length];
                for (int t = 0; t < s0.length; t++) {
                    s0[t] = (float) rnd.nextGaussian();
                }
                start[a] = s0;
                b.grad[ins[a]] = s0.clone();
                double[] d0 = toDouble(s0);
                bySlot.put(ins[a], d0);
            }
            gIn[a] = bySlot.get(ins[a]);
        }
        step.backward(0, b, 0, rows, scratch);
        n.compiled().backward(tr.run(), args, ref, gd, gIn);
        double bwd = 0;
        List<float[]> wholeGrads = new ArrayList<>();
        for (int a = 0; a < ins.length; a++) {
            if (gIn[a] != null) {
                bwd = Math.max(bwd, maxError(b.grad[ins[a]], gIn[a], liveColumns(graph.nodes().get(ins[a]).out(), rows)));
                wholeGrads.add(b.grad[ins[a]].clone());
            }
        }
        assertTrue(bwd <= TOL, what + ": backward error " + bwd);
        assertEquals(1, step.backwardPhases().length, what);
        assertEquals(step.domain(), step.backwardPhases()[0], what);
        for (int a = 0; a < ins.length; a++) {
            if (start[a] != null) {
                b.grad[ins[a]] = start[a].clone();
            }
        }
        for (int[] r : ranges) {
            step.backward(0, b, r[0], r[1], scratch);
        }
        int w = 0;
        for (int a = 0; a < ins.length; a++) {
            if (gIn[a] != null) {
                assertArrayEquals(wholeGrads.get(w++), b.grad[ins[a]], what + ": backward over split ranges is not"
                        + " bit-identical");
            }
        }
        // no allocation in forward or backward once compiled (the Vector API kernels box their vectors until
        // C2 compiles them, so repeat until one round allocates nothing; the buffers are not compared again)
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocated = -1;
        for (int round = 0; round < WARMUP_ROUNDS && allocated != 0; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            step.forward(b, 0, rows, scratch);
            step.backward(0, b, 0, rows, scratch);
            allocated = mx.getCurrentThreadAllocatedBytes() - before;
        }
        assertEquals(0, allocated, what + ": bytes allocated by forward + backward after " + WARMUP_ROUNDS + " rounds");
        assertNotNull(step.toString());
        return new double[] {fwd, bwd};
    }

    /**
     * Per element of a value: false in its known-zero chunks. Those are constants (e3nn-jax's None
     * chunks): e3nn-jax's VJP, like the steps, gives them no gradient, while the double ops give the
     * formal derivative; the producer of a zero chunk drops whatever arrives there, so neither
     * reaches a force. The comparison skips them.
     */
    static boolean[] liveColumns(ValueType t, int rows) {
        boolean[] row = EquivariantSteps.liveColumns(t);
        boolean[] live = new boolean[rows * row.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(row, 0, live, r * row.length, row.length);
        }
        return live;
    }

    /** Two or three uneven ranges covering [0, rows), out of order. */
    static int[][] split(int rows) {
        int a = rows / 3;
        int c = Math.max(a, 2 * rows / 3 + 1);
        c = Math.min(c, rows);
        return new int[][] {{c, rows}, {0, a}, {a, c}};
    }

    static double maxError(float[] got, double[] ref) {
        return maxError(got, ref, null);
    }

    /** Over the elements where {@code live} is true (all when null). */
    static double maxError(float[] got, double[] ref, boolean[] live) {
        assertEquals(ref.length, got.length);
        double w = 0;
        for (int t = 0; t < ref.length; t++) {
            if (live != null && !live[t]) {
                continue;
            }
            double e = Math.abs(got[t] - ref[t]) / Math.max(1.0, Math.abs(ref[t]));
            w = Math.max(w, Double.isNaN(e) ? Double.POSITIVE_INFINITY : e);
        }
        return w;
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int t = 0; t < d.length; t++) {
            f[t] = (float) d[t];
        }
        return f;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int t = 0; t < f.length; t++) {
            d[t] = f[t];
        }
        return d;
    }

    /**
     * Random structures (H and O, 3 Å box); edges i -> j for atoms of one structure with
     * {@code 0 < |i - j| <= 3} (every pair in small ones; few neighbours in large ones, so that sums
     * over neighbours stay of order one and float32 cancellation stays small).
     */
    static ModelInput randomStructure(Random rnd, int[] nNode) {
        int n = 0;
        for (int c : nNode) {
            n += c;
        }
        int[] z = new int[n];
        double[] pos = new double[3 * n];
        List<int[]> edges = new ArrayList<>();
        int first = 0;
        for (int c : nNode) {
            for (int i = first; i < first + c; i++) {
                z[i] = rnd.nextBoolean() ? 1 : 8;
                for (int d = 0; d < 3; d++) {
                    pos[3 * i + d] = 3 * rnd.nextDouble();
                }
                for (int j = first; j < first + c; j++) {
                    if (i != j && Math.abs(i - j) <= 3) {
                        edges.add(new int[] {i, j});
                    }
                }
            }
            first += c;
        }
        int[] s = edges.stream().mapToInt(e -> e[0]).toArray();
        int[] r = edges.stream().mapToInt(e -> e[1]).toArray();
        return new ModelInput(z, pos, s, r, new double[3 * s.length], nNode);
    }

    @SuppressWarnings("unchecked")
    static ModelInput fixtureInput(Path dir) throws IOException {
        Map<String, Object> exp = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("expected.json")));
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
