package org.e3j.layers.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3j.engine.ops.Activation;
import org.e3j.engine.ops.Activations;
import org.e3j.layers.io.Json;
import org.e3j.layers.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random initialisation with Flax's distributions: loading, sizes, statistics, round trips. */
class RandomModelTest {
    /** The seed tutorial's 3-atom graph (H, C, O, a cycle of edges). */
    static final ModelInput SEED_GRAPH = new ModelInput(new int[] {1, 6, 8},
            new double[] {0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0}, new int[] {0, 1, 2}, new int[] {1, 2, 0},
            null, new int[] {3});

    /** A small molecule for the Potential: every pair within the cutoff, both directions. */
    static ModelInput molecule(int[] numbers, double[] pos, double cutoff) {
        int n = numbers.length;
        java.util.List<Integer> s = new java.util.ArrayList<>();
        java.util.List<Integer> r = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dx = pos[3 * j] - pos[3 * i];
                double dy = pos[3 * j + 1] - pos[3 * i + 1];
                double dz = pos[3 * j + 2] - pos[3 * i + 2];
                if (i != j && Math.sqrt(dx * dx + dy * dy + dz * dz) < cutoff) {
                    s.add(i);
                    r.add(j);
                }
            }
        }
        return new ModelInput(numbers, pos, s.stream().mapToInt(Integer::intValue).toArray(),
                r.stream().mapToInt(Integer::intValue).toArray(), null, new int[] {n});
    }

    static final ModelInput METHANOL = molecule(new int[] {6, 8, 1, 1, 1, 1},
            new double[] {-0.047, 0.665, 0.0, -0.047, -0.755, 0.0, -1.086, 0.977, 0.0, 0.437, 1.078, 0.889,
                    0.437, 1.078, -0.889, 0.868, -1.080, 0.0}, 5.0);

    static RandomModel seedTutorial(long seed) {
        return RandomModel.simpleNetwork().shLmax(3).initEmbedDims(8).maxAtomicNumber(10).mlpHiddenDims(8)
                .mlpNumLayers(2).outputIrreps("8x0e+8x1o", "8x0e+8x1o").build(seed);
    }

    static RandomModel bigPotential(long seed) {
        String hidden = "32x0e+32x1o+32x2e";
        return RandomModel.potential(1, 6, 8).shLmax(3).initEmbedDims(32).mlpHiddenDims(64).mlpNumLayers(2)
                .outputIrreps(hidden, hidden, hidden).cutoff(5.0).numBasis(8).envelopeP(6).avgNumNeighbors(5.0)
                .build(seed);
    }

    private static void assertFinite(double[] a, String what) {
        for (int i = 0; i < a.length; i++) {
            final int k = i;
            assertTrue(Double.isFinite(a[i]), () -> what + "[" + k + "] = " + a[k]);
        }
    }

    private static double[] stats(double[] a) {
        double s = 0;
        double s2 = 0;
        double max = 0;
        for (double v : a) {
            s += v;
            s2 += v * v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = s / a.length;
        return new double[] {mean, Math.sqrt(s2 / a.length - mean * mean), max};
    }

    @Test
    void seedTutorialLoadsWith6496ParametersAndRuns() {
        RandomModel m = seedTutorial(0);
        assertEquals(6496, m.parameterCount());
        long inFile = 0;
        for (String name : m.safeTensors().names()) {
            inFile += m.safeTensors().info(name).elementCount();
        }
        assertEquals(6496, inFile);
        assertEquals(31, m.safeTensors().names().size());
        ReferenceModel model = m.model();
        assertEquals(2, model.layers.size());
        ReferenceModel.Result r = model.forward(SEED_GRAPH);
        double[] nodes = r.get("output/node_features").data();
        double[] global = r.get("output/global_features").data();
        assertEquals(3 * 32, nodes.length);
        assertEquals(32, global.length);
        assertFinite(nodes, "node_features");
        assertFinite(global, "global_features");
        double norm = 0;
        for (double v : nodes) {
            norm += v * v;
        }
        assertTrue(norm > 0, "a random network gives non-zero features");
        System.out.printf("random seed network: %d parameters, |node features| = %.4f%n", m.parameterCount(),
                Math.sqrt(norm));
    }

    /** Everything but provenance and the gate constants equals what e3nn-jax exported for the same sizes. */
    @Test
    void configMatchesExportedFiles() {
        compareToExport(seedTutorial(7), Path.of("../tests/fixtures/seed_example/model.safetensors"));
        compareToExport(RandomModel.potential(29).shLmax(1).initEmbedDims(16).mlpHiddenDims(32).mlpNumLayers(2)
                .outputIrreps("32x0e+8x1o", "16x0e").cutoff(5.0).numBasis(8).envelopeP(6)
                .avgNumNeighbors(44.013092041015625).build(7), Path.of("../models/cu-emt.safetensors"));
    }

    @SuppressWarnings("unchecked")
    private static void compareToExport(RandomModel m, Path exported) {
        if (!Files.isRegularFile(exported)) {
            System.out.println("skipped: no " + exported);
            return;
        }
        SafeTensors file = SafeTensors.open(exported);
        Map<String, Object> want = new LinkedHashMap<>(file.metadataJson("e3j_config"));
        Map<String, Object> got = new LinkedHashMap<>(m.safeTensors().metadataJson("e3j_config"));
        assertEquals(Json.parse(m.configJson()), got);
        want.remove("provenance");
        got.remove("provenance");
        Map<String, Object> wantAct = new LinkedHashMap<>((Map<String, Object>) want.remove("activations"));
        Map<String, Object> gotAct = new LinkedHashMap<>((Map<String, Object>) got.remove("activations"));
        Map<String, Object> wantC = (Map<String, Object>) wantAct.remove("normalization_constants");
        Map<String, Object> gotC = (Map<String, Object>) gotAct.remove("normalization_constants");
        wantAct.remove("normalization_constants_f32_bits");
        gotAct.remove("normalization_constants_f32_bits");
        assertEquals(want, got, exported.toString());
        assertEquals(wantAct, gotAct, exported + ": activations");
        assertEquals(wantC.keySet(), gotC.keySet());
        for (String k : wantC.keySet()) {
            double w = (Double) wantC.get(k);
            double g = (Double) gotC.get(k);
            assertTrue(Math.abs(w - g) <= 1e-5 * w, k + ": e3nn-jax " + w + " vs Java " + g);
            System.out.printf("gate constant %-9s e3nn-jax %.9f  Java %.9f  rel %.1e%n", k, w, g, (g - w) / w);
        }
        // Same tensors, same shapes, same order in the file.
        assertEquals(List.copyOf(file.names()), List.copyOf(m.safeTensors().names()));
        for (String name : file.names()) {
            assertArrayEquals(file.info(name).shape(), m.safeTensors().info(name).shape(), name);
        }
    }

    @Test
    void denseKernelIsLecunNormal() {
        // mlp 256 x 3: Dense_1 is a 256 x 256 kernel, fan_in 256
        RandomModel m = RandomModel.simpleNetwork().shLmax(1).initEmbedDims(4).mlpHiddenDims(256).mlpNumLayers(3)
                .outputIrreps("4x0e").build(3);
        double[] k = m.safeTensors().doubles("params/SimpleNetworkLayer_0/MLP_0/Dense_1/kernel");
        assertEquals(256 * 256, k.length);
        double[] st = stats(k);
        double std = Math.sqrt(1.0 / 256);
        double bound = 2 * std / RandomModel.TRUNCATED_NORMAL_STD; // 2 x the untruncated normal's scale
        System.out.printf("Dense kernel 256x256: mean %.2e std %.5f (lecun %.5f) max |w| %.5f (bound %.5f)%n", st[0],
                st[1], std, st[2], bound);
        assertEquals(0, st[0], 4 * std / Math.sqrt(k.length));
        assertEquals(std, st[1], 0.02 * std);
        assertTrue(st[2] < bound * (1 + 1e-6), "truncated at 2 standard deviations");
        assertTrue(st[2] > 0.97 * bound, "the truncation is reached");
        // The truncated shape: P(|z| < 1 | |z| < 2) = 0.6827 / 0.9545 = 0.7153
        double sigma = std / RandomModel.TRUNCATED_NORMAL_STD;
        int inside = 0;
        for (double v : k) {
            inside += Math.abs(v) < sigma ? 1 : 0;
        }
        assertEquals(0.7153, inside / (double) k.length, 0.01);
        // fan_in 1 (first Dense of the SimpleNetwork MLP): std 1
        double[] k0 = m.safeTensors().doubles("params/SimpleNetworkLayer_0/MLP_0/Dense_0/kernel");
        assertTrue(stats(k0)[2] < 2 / RandomModel.TRUNCATED_NORMAL_STD * (1 + 1e-6));
        for (String zero : List.of("MLP_0/Dense_0/bias", "MLP_0/Dense_1/bias", "MLP_0/Dense_2/bias",
                "MLP_0/LayerNorm_0/bias", "MLP_0/LayerNorm_1/bias")) {
            for (double v : m.safeTensors().doubles("params/SimpleNetworkLayer_0/" + zero)) {
                assertEquals(0.0, v, zero);
            }
        }
        for (double v : m.safeTensors().doubles("params/SimpleNetworkLayer_0/MLP_0/LayerNorm_1/scale")) {
            assertEquals(1.0, v);
        }
    }

    @Test
    void embeddingIsNormalWithVarianceOneOverFeatures() {
        RandomModel m = RandomModel.simpleNetwork().shLmax(0).initEmbedDims(256).maxAtomicNumber(118)
                .mlpHiddenDims(4).mlpNumLayers(1).outputIrreps("4x0e").build(11);
        double[] e = m.safeTensors().doubles("params/AtomEmbedding_0/Embed_0/embedding");
        assertEquals(118 * 256, e.length);
        double[] st = stats(e);
        double std = 1 / Math.sqrt(256);
        System.out.printf("Embed 118x256: mean %.2e std %.5f (want %.5f) max |e| / std %.2f%n", st[0], st[1], std,
                st[2] / std);
        assertEquals(0, st[0], 4 * std / Math.sqrt(e.length));
        assertEquals(std, st[1], 0.02 * std);
        assertTrue(st[2] > 3.5 * std, "a normal, not truncated");
        // e3nn Linear weights: normal(stddev = weight_std = 1)
        // sh_lmax 0: nothing to gate, Linear_0 maps 256x0e to 256x0e + 256x0e simplified
        double[] w = m.safeTensors().doubles("params/SimpleNetworkLayer_0/Linear_0/w[0,0] 256x0e,512x0e");
        double[] ws = stats(w);
        assertEquals(1.0, ws[1], 0.02);
        assertEquals(0, ws[0], 4 / Math.sqrt(w.length));
        assertTrue(ws[2] > 3.5);
    }

    @Test
    void potentialLoadsAndEvaluates() {
        RandomModel m = bigPotential(5);
        ReferenceModel model = m.model();
        assertTrue(model.config.isPotential());
        assertEquals(3, model.layers.size());
        for (double v : model.energyScale) {
            assertEquals(1.0, v);
        }
        for (double v : model.energyShift) {
            assertEquals(0.0, v);
        }
        ReferenceModel.Result r = model.forward(METHANOL);
        double[] energy = r.get("output/energy").data();
        assertEquals(1, energy.length);
        assertFinite(energy, "energy");
        assertFinite(r.get("output/node_features").data(), "node_features");
        ReferenceForces.Result f = ReferenceForces.compute(model, METHANOL);
        assertFinite(f.forces(), "forces");
        assertEquals(energy[0], f.energy()[0], 1e-12 * Math.max(1, Math.abs(energy[0])));
        System.out.printf("random Potential: %,d parameters, E = %.6f eV, |F_0| = %.4f eV/A%n", m.parameterCount(),
                energy[0], Math.sqrt(f.forces()[0] * f.forces()[0] + f.forces()[1] * f.forces()[1]
                        + f.forces()[2] * f.forces()[2]));
    }

    @Test
    void writeRoundTrips(@TempDir Path dir) throws Exception {
        RandomModel m = bigPotential(9);
        Path p = dir.resolve("random.safetensors");
        m.write(p);
        assertArrayEquals(m.toByteArray(), Files.readAllBytes(p));
        ReferenceModel back = ReferenceModel.load(SafeTensors.open(p));
        ReferenceModel.Result a = m.model().forward(METHANOL);
        ReferenceModel.Result b = back.forward(METHANOL);
        assertEquals(a.tensors.keySet(), b.tensors.keySet());
        for (String k : a.tensors.keySet()) {
            assertArrayEquals(a.get(k).data(), b.get(k).data(), k);
        }
        RandomModel s = seedTutorial(1);
        Path q = dir.resolve("seed.safetensors");
        s.write(q);
        s.write(q); // overwrites
        ReferenceModel sb = ReferenceModel.load(q);
        assertArrayEquals(s.model().forward(SEED_GRAPH).get("output/node_features").data(),
                sb.forward(SEED_GRAPH).get("output/node_features").data());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void sameSeedSameBytes() {
        assertArrayEquals(seedTutorial(42).toByteArray(), seedTutorial(42).toByteArray());
        assertArrayEquals(bigPotential(42).toByteArray(), bigPotential(42).toByteArray());
        assertFalse(java.util.Arrays.equals(seedTutorial(42).toByteArray(), seedTutorial(43).toByteArray()));
        // Header identical (the seed is only in the provenance); a tensor's values depend on seed and name only.
        RandomModel a = seedTutorial(42);
        RandomModel b = RandomModel.simpleNetwork().shLmax(3).initEmbedDims(8).maxAtomicNumber(10).mlpHiddenDims(8)
                .mlpNumLayers(2).outputIrreps("8x0e+8x1o", "8x0e+8x1o", "8x0e").build(42);
        String name = "params/SimpleNetworkLayer_1/Linear_0/w[1,1] 24x1o,24x1o";
        assertArrayEquals(a.safeTensors().doubles(name), b.safeTensors().doubles(name));
    }

    @Test
    void gateConstantsAreJavaComputedFloat32() {
        RandomModel m = seedTutorial(0);
        assertEquals((double) (float) Activations.normalizeConstant(Activation.GELU),
                m.model().layers.get(0).gate.evenAct().constant());
        assertTrue(m.configJson().contains("\"epsilon\":1e-06"), "Python's float repr");
    }

    @Test
    void badHyperParametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RandomModel.simpleNetwork().outputIrreps().build(0));
        assertThrows(IllegalArgumentException.class, () -> RandomModel.potential(29).outputIrreps("8x1o").build(0));
        assertThrows(IllegalArgumentException.class, () -> RandomModel.potential().build(0));
        assertThrows(IllegalStateException.class, () -> RandomModel.simpleNetwork().species(1));
        assertThrows(org.e3j.layers.io.ModelFormatException.class,
                () -> RandomModel.potential(29, 29).build(0)); // the loader's own validation
    }

    @Test
    void pythonFloatRepr() {
        assertEquals("1e-06", RandomModel.pyFloat(1e-6));
        assertEquals("1.0", RandomModel.pyFloat(1.0));
        assertEquals("0.0", RandomModel.pyFloat(0.0));
        assertEquals("5.0", RandomModel.pyFloat(5.0));
        assertEquals("44.013092041015625", RandomModel.pyFloat(44.013092041015625));
        assertEquals("0.6520581841468811", RandomModel.pyFloat((float) 0.6520581841468811));
        assertEquals("0.0001", RandomModel.pyFloat(1e-4));
        assertEquals("1e+16", RandomModel.pyFloat(1e16));
        assertEquals("1234567890123456.0", RandomModel.pyFloat(1234567890123456.0));
        assertEquals("-2.5e-07", RandomModel.pyFloat(-2.5e-7));
        assertEquals("120.0", RandomModel.pyFloat(120.0));
    }
}
