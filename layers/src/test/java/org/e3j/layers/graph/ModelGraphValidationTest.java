package org.e3j.layers.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.e3j.engine.E3jException;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.model.ModelInput;
import org.junit.jupiter.api.Test;

/**
 * docs/model-graph.md §4: every rule refuses an edited fixture with one ModelFormatException that
 * names the node (or tensor / key). Each edit is applied to an otherwise valid graph (which loads:
 * {@link #fixturesLoadUnedited}), so each test fails if its rule is not enforced.
 */
class ModelGraphValidationTest {
    static final String NEQUIP = "nequip_eqx_lmax1_layers1_open";
    static final String JAX_MD = "jax_md_lmax1_layers1_open";

    static String refused(String fixture, Consumer<GraphFiles> edit) {
        GraphFiles f = GraphFiles.fixture(fixture);
        edit.accept(f);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelGraph.load(f.build()));
        System.out.println("refused: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("edited.safetensors: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
        return e.getMessage();
    }

    static void assertNames(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "\"" + p + "\" not in: " + message);
        }
    }

    @Test
    void fixturesLoadUnedited() {
        for (String c : List.of(NEQUIP, JAX_MD)) {
            GraphFiles f = GraphFiles.fixture(c);
            ModelGraph g = ModelGraph.load(f.build());
            assertTrue(g.nodes().size() > 20);
        }
    }

    @Test
    void unknownOp() {
        assertNames(refused(NEQUIP, f -> f.node("layer_0_gather").put("op", "gather_twice")),
                "node \"layer_0_gather\"", "unknown op \"gather_twice\"");
    }

    @Test
    void unknownAttribute() {
        assertNames(refused(NEQUIP, f -> GraphFiles.attrs(f.node("layer_0_tp")).put("normalization", "norm")),
                "node \"layer_0_tp\"", "unknown attribute(s) [normalization]");
    }

    @Test
    void unknownAttributeOfLayerNorm() {
        assertNames(refused(NEQUIP, f -> GraphFiles.attrs(f.node("layer_0_radial")).put("layer_norm",
                new LinkedHashMap<>(Map.of("epsilon", 1e-5, "center", false)))),
                "node \"layer_0_radial\"", "unknown layer_norm key(s) [center]");
    }

    @Test
    void missingAttribute() {
        assertNames(refused(NEQUIP, f -> GraphFiles.attrs(f.node("layer_0_aggregated")).remove("divisor")),
                "node \"layer_0_aggregated\"", "missing attribute \"divisor\"");
    }

    @Test
    void badAttributeValues() {
        assertNames(refused(NEQUIP, f -> GraphFiles.attrs(f.node("r")).put("sign", "sideways")),
                "node \"r\"", "sign");
        assertNames(refused(NEQUIP, f -> GraphFiles.attrs(f.node("layer_0_gate")).put("even_act", "swish")),
                "node \"layer_0_gate\"", "even_act");
        assertNames(refused(NEQUIP, f -> GraphFiles.attrs(f.node("sh")).put("normalization", "unit")),
                "node \"sh\"", "normalization");
        assertNames(refused(NEQUIP, f -> GraphFiles.attrs(f.node("layer_0_linear_1")).put("input_rearrange", "sort")),
                "node \"layer_0_linear_1\"", "input_rearrange");
        assertNames(refused(NEQUIP, f -> GraphFiles.attrs(f.node("positions")).put("kind", "velocities")),
                "node \"positions\"", "unknown input kind");
    }

    @Test
    void gateConstantsMustBeE3nnValues() {
        assertNames(refused(NEQUIP, f -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) ((Map<String, Object>) GraphFiles.attrs(f.node("layer_0_gate"))
                    .get("constants")).get("silu");
            c.put("c_f64", 0.6);
        }), "node \"layer_0_gate\"", "c_f64");
    }

    @Test
    void danglingInput() {
        assertNames(refused(NEQUIP, f -> f.node("layer_0_gather").put("inputs", List.of("nowhere", "senders"))),
                "node \"layer_0_gather\"", "\"nowhere\"", "dangling");
    }

    @Test
    void cycle() {
        // layer_0_gather reads layer_0_tp, which reads layer_0_gather
        assertNames(refused(NEQUIP, f -> f.node("layer_0_gather").put("inputs", List.of("layer_0_tp", "senders"))),
                "node \"layer_0_gather\"", "\"layer_0_tp\"", "cycle");
    }

    @Test
    void wrongNumberOfInputs() {
        assertNames(refused(NEQUIP, f -> f.node("r_norm").put("inputs", List.of("r", "r"))),
                "node \"r_norm\"", "wrong number of inputs");
    }

    @Test
    void secondInputOfOneKind() {
        assertNames(refused(NEQUIP, f -> {
            Map<String, Object> dup = new LinkedHashMap<>(f.node("positions"));
            dup.put("name", "positions_again");
            f.nodes().add(1, dup);
        }), "node \"positions_again\"", "second input of kind \"positions\"");
    }

    @Test
    void duplicateNameAndSlash() {
        assertNames(refused(NEQUIP, f -> {
            Map<String, Object> dup = new LinkedHashMap<>(f.node("r_norm"));
            f.nodes().add(f.nodes().indexOf(f.node("r_norm")) + 1, dup);
        }), "node \"r_norm\"", "duplicate name");
        assertNames(refused(NEQUIP, f -> f.node("r_norm").put("name", "r/norm")), "r/norm", "without '/'");
    }

    @Test
    void irrepsThatDoNotConnect() {
        // add of 6x0e+2x1o+2x2e and 2x0e+2x1o+2x2e
        assertNames(refused(NEQUIP, f -> f.node("layer_0_sum").put("inputs", List.of("layer_0_linear_2",
                "layer_0_aggregated"))), "node \"layer_0_sum\"", "differ");
        // a linear whose (regrouped) input is not its irreps_in
        assertNames(refused(NEQUIP, f -> f.node("layer_0_linear_2").put("inputs", List.of("one_hot"))),
                "node \"layer_0_linear_2\"", "irreps_in");
        // uvu TP whose weights input has the wrong width
        assertNames(refused(JAX_MD, f -> f.node("layer_0_tp").put("inputs", List.of("layer_0_gather", "sh",
                "edge_embedded"))), "node \"layer_0_tp\"", "weights per edge");
    }

    @Test
    void declaredOutputMustMatch() {
        assertNames(refused(NEQUIP, f -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) f.node("layer_0_tp").get("out");
            out.put("irreps", "2x0e+2x1e+2x2e");
        }), "node \"layer_0_tp\"", "declared output");
        assertNames(refused(NEQUIP, f -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) f.node("layer_0_skip").get("out");
            out.remove("zero_chunks");
        }), "node \"layer_0_skip\"", "declared output");
    }

    @Test
    void wrongWeightShape() {
        assertNames(refused(NEQUIP, f -> {
            GraphFiles.Tensor t = f.tensors.get("layer_0_radial/dense_0/kernel");
            f.tensors.put("layer_0_radial/dense_0/kernel", new GraphFiles.Tensor(new long[] {t.shape()[1],
                    t.shape()[0]}, t.data()));
        }), "node \"layer_0_radial\"", "layer_0_radial/dense_0/kernel", "shape (8, 5)", "expected (5, 8)");
    }

    @Test
    void missingWeight() {
        assertNames(refused(NEQUIP, f -> {
            f.tensors.remove("layer_0_skip/w[0,0] 2x0e,6x0e");
            syncParamList(f);
        }), "node \"layer_0_skip\"", "is missing");
    }

    @Test
    void tensorNoNodeReads() {
        assertNames(refused(NEQUIP, f -> {
            f.tensors.put("layer_0_tp/w", new GraphFiles.Tensor(new long[] {1}, new float[] {1f}));
            syncParamList(f);
        }), "tensor \"layer_0_tp/w\"", "not read by any node");
    }

    @Test
    void paramListMustDescribeTheTensors() {
        assertNames(refused(NEQUIP, f -> f.tensors.put("layer_0_tp/w", new GraphFiles.Tensor(new long[] {1},
                new float[] {1f}))), "param_names");
        assertNames(refused(NEQUIP, f -> f.config.put("param_count", 7L)), "param_count 7");
    }

    /** Keeps param_names / param_count true after an edit of the tensors. */
    static void syncParamList(GraphFiles f) {
        f.config.put("param_names", new ArrayList<Object>(f.tensors.keySet()));
        f.config.put("param_count", f.tensors.values().stream().mapToLong(t -> t.data().length).sum());
    }

    @Test
    void nodeNoOutputDependsOn() {
        assertNames(refused(NEQUIP, f -> {
            Map<String, Object> extra = new LinkedHashMap<>(f.node("r_norm"));
            extra.put("name", "unused_norm");
            f.nodes().add(f.nodes().indexOf(f.node("r_norm")) + 1, extra);
        }), "node \"unused_norm\"", "no output depends on it");
    }

    @Test
    void outputs() {
        assertNames(refused(NEQUIP, f -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> o = (Map<String, Object>) ((Map<String, Object>) f.config.get("graph")).get("outputs");
            o.remove("atom_energies");
        }), "outputs must be exactly");
        assertNames(refused(NEQUIP, f -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> o = (Map<String, Object>) ((Map<String, Object>) f.config.get("graph")).get("outputs");
            o.put("energy", "atom_energies");
        }), "output energy", "atom_energies");
    }

    @Test
    void unknownKeys() {
        assertNames(refused(NEQUIP, f -> f.config.put("energy_unit", "kcal/mol")), "unknown config key(s) [energy_unit]");
        assertNames(refused(NEQUIP, f -> ((Map<String, Object>) cast(f.config.get("graph"))).put("edges", List.of())),
                "graph must have exactly the keys");
        assertNames(refused(NEQUIP, f -> f.node("r_norm").put("weight", 2.0)), "node \"r_norm\"", "unknown key(s) [weight]");
        assertNames(refused(NEQUIP, f -> f.config.put("format_version", 3L)), "version 3");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void runTimeUnknownAtomicNumberNamesTheNode() {
        GraphExecutor ex = new GraphExecutor(ModelGraph.load(GraphFiles.fixture(NEQUIP).build()));
        ModelInput in = new ModelInput(new int[] {29, 26}, new double[] {0, 0, 0, 1.5, 0, 0}, new int[] {0, 1},
                new int[] {1, 0}, null, new int[] {2});
        E3jException e = assertThrows(E3jException.class, () -> ex.compute(in, null, null));
        assertNames(e.getMessage(), "node \"species\"", "atomic number 26");
    }

    @Test
    void periodicShiftsRefusedByAGraphWithoutShifts() {
        GraphFiles f = GraphFiles.fixture(NEQUIP);
        // drop the shifts input from the edge vectors (a graph as nequip-eqx itself computes them)
        f.node("r").put("inputs", new ArrayList<>(List.of("positions", "senders", "receivers")));
        f.nodes().remove(f.node("shifts"));
        GraphExecutor ex = new GraphExecutor(ModelGraph.load(f.build()));
        ModelInput in = new ModelInput(new int[] {29, 13}, new double[] {0, 0, 0, 1.5, 0, 0}, new int[] {0, 1},
                new int[] {1, 0}, new double[] {0, 0, 3.0, 0, 0, -3.0}, new int[] {2});
        E3jException e = assertThrows(E3jException.class, () -> ex.compute(in, null, null));
        assertNames(e.getMessage(), "takes no periodic shifts");
    }
}
