package org.e3j.cli.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.e3j.engine.so3.WignerD;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The data behind e3j viz: what the two panels draw, and that it turns with the molecule. */
class FeatureSceneTest {
    /** float32 tolerance, relative to the largest value drawn. */
    static final double TOL = 1e-6;

    static ReferenceModel seed;

    @BeforeAll
    static void load() {
        seed = ReferenceModel.load(VizFixtures.SEED_MODEL);
    }

    static FeatureScene seedScene(String tensor, List<String> channels, long rotationSeed) {
        return FeatureScene.compute(seed, SeedExample.NUMBERS, SeedExample.POSITIONS,
                FeatureScene.Edges.fixed(SeedExample.SENDERS, SeedExample.RECEIVERS), tensor, channels,
                WignerD.randomRotation(new Random(rotationSeed)));
    }

    @Test
    void seedExampleIsTheFixturesGraph() {
        SafeTensors f = SafeTensors.open(VizFixtures.SEED_FIXTURE);
        assertArrayEquals(f.ints("input/numbers"), SeedExample.NUMBERS);
        assertArrayEquals(f.doubles("input/positions"), SeedExample.POSITIONS, 0);
        assertArrayEquals(f.ints("input/senders"), SeedExample.SENDERS);
        assertArrayEquals(f.ints("input/receivers"), SeedExample.RECEIVERS);
    }

    @Test
    void originalPanelHoldsTheModelsFeatures() {
        FeatureScene s = seedScene("output/node_features", List.of("0e:3", "1o:5"), 1);
        SafeTensors f = SafeTensors.open(VizFixtures.SEED_FIXTURE);
        double[] ref = f.doubles("output/node_features"); // 8x0e+8x1o, 32 per atom, from e3nn-jax
        for (int i = 0; i < 3; i++) {
            assertEquals(ref[32 * i + 3], s.original.colour()[i], 1e-5);
            for (int c = 0; c < 3; c++) {
                assertEquals(ref[32 * i + 8 + 3 * 5 + c], s.original.vectors()[0][3 * i + c], 1e-5);
            }
        }
    }

    @Test
    void rotatedArrowsAreTheRotationOfTheOriginalArrows() {
        for (long seedR = 1; seedR <= 3; seedR++) {
            FeatureScene s = seedScene("output/node_features", List.of("0e:0", "1o:0-7"), seedR);
            double[] r = s.rotation;
            assertEquals(8, s.original.vectors().length);
            double max = 0;
            for (double[] v : s.original.vectors()) {
                for (double x : v) {
                    max = Math.max(max, Math.abs(x));
                }
            }
            assertTrue(max > 1e-3, "the arrows are not all zero");
            for (int k = 0; k < 8; k++) {
                double[] a = s.original.vectors()[k];
                double[] b = s.rotated.vectors()[k];
                for (int i = 0; i < 3; i++) {
                    for (int row = 0; row < 3; row++) {
                        double ra = r[3 * row] * a[3 * i] + r[3 * row + 1] * a[3 * i + 1] + r[3 * row + 2] * a[3 * i + 2];
                        assertEquals(ra, b[3 * i + row], TOL * max, "channel 1o:" + k + " atom " + i);
                    }
                }
            }
            assertTrue(s.arrowError() < TOL);
            // The positions turned too (about the centroid), and the scalars did not change.
            for (int i = 0; i < 3; i++) {
                assertEquals(s.original.colour()[i], s.rotated.colour()[i], TOL * Math.abs(s.original.colour()[i]) + 1e-12);
            }
            // The rotation is not the identity: the arrows moved.
            double moved = 0;
            for (int k = 0; k < 8; k++) {
                for (int j = 0; j < 9; j++) {
                    moved = Math.max(moved, Math.abs(s.original.vectors()[k][j] - s.rotated.vectors()[k][j]));
                }
            }
            assertTrue(moved > 1e-2 * max);
        }
    }

    @Test
    void rotatedGlyphsAreTheRotationOfTheOriginalGlyphs() {
        FeatureScene s = seedScene("layer_1/gated", List.of("2e:0", "3o:1", "4e:0"), 7);
        assertEquals(3, s.higher.size());
        double[] r = s.rotation;
        for (int i = 0; i < 3; i++) {
            Glyph g0 = s.original.glyphs()[i];
            Glyph g1 = s.rotated.glyphs()[i];
            double max = g0.maxAbs();
            assertTrue(max > 1e-4, "glyph of atom " + i + " is empty");
            double[] d = Glyph.DIRECTIONS;
            for (int k = 0; k < d.length / 3; k += 7) {
                double x = d[3 * k];
                double y = d[3 * k + 1];
                double z = d[3 * k + 2];
                double rx = r[0] * x + r[1] * y + r[2] * z;
                double ry = r[3] * x + r[4] * y + r[5] * z;
                double rz = r[6] * x + r[7] * y + r[8] * z;
                assertEquals(g0.value(x, y, z), g1.value(rx, ry, rz), TOL * max);
            }
        }
    }

    @Test
    void radiusGraphOfAUserStructureIsEquivariantToo() {
        Object[] g = VizFixtures.firstGraph(VizFixtures.MOLECULE_FIXTURE);
        FeatureScene s = FeatureScene.compute(seed, (int[]) g[0], (double[]) g[1], FeatureScene.Edges.radius(2.5),
                "output/node_features", List.of(), WignerD.randomRotation(new Random(3)));
        assertTrue(s.original.edges() > 0);
        assertEquals(s.original.edges(), s.rotated.edges());
        assertEquals(List.of("0e:0", "1o:0"), s.channels.stream().map(Channel::label).toList());
        assertTrue(s.arrowError() < TOL, "arrow error " + s.arrowError());
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        var one = assertThrows(IllegalArgumentException.class, () -> FeatureScene.compute(seed, new int[] {6},
                new double[] {0, 0, 0}, FeatureScene.Edges.radius(2.5), "output/node_features", List.of(),
                WignerD.randomRotation(new Random(1))));
        assertTrue(one.getMessage().contains("has 1 atom"), one.getMessage());

        var missing = assertThrows(IllegalArgumentException.class,
                () -> seedScene("output/node_features", List.of("2e:0"), 1));
        assertTrue(missing.getMessage().contains("channel does not exist") && missing.getMessage().contains("8x0e+8x1o"),
                missing.getMessage());

        var tooHigh = assertThrows(IllegalArgumentException.class,
                () -> seedScene("output/node_features", List.of("1o:8"), 1));
        assertTrue(tooHigh.getMessage().contains("has 8 copies of 1o (1o:0-7)"), tooHigh.getMessage());

        var notIrrep = assertThrows(IllegalArgumentException.class,
                () -> seedScene("output/node_features", List.of("banana"), 1));
        assertTrue(notIrrep.getMessage().contains("is not an irrep"), notIrrep.getMessage());

        var scalars = assertThrows(IllegalArgumentException.class,
                () -> seedScene("output/node_features", List.of("0e:0-2"), 1));
        assertTrue(scalars.getMessage().contains("at most 2"), scalars.getMessage());

        var tensor = assertThrows(IllegalArgumentException.class,
                () -> seedScene("layer_0/tp", List.of(), 1));
        assertTrue(tensor.getMessage().contains("not a per-atom tensor") && tensor.getMessage().contains("layer_0/output"),
                tensor.getMessage());
        var absent = assertThrows(IllegalArgumentException.class, () -> seedScene("layer_9/output", List.of(), 1));
        assertTrue(absent.getMessage().contains("no tensor of that name"), absent.getMessage());

        var apart = assertThrows(IllegalArgumentException.class, () -> FeatureScene.compute(seed, new int[] {1, 1},
                new double[] {0, 0, 0, 0, 0, 9}, FeatureScene.Edges.radius(2.5), "output/node_features", List.of(),
                WignerD.randomRotation(new Random(1))));
        assertTrue(apart.getMessage().contains("raise --cutoff"), apart.getMessage());
    }

    @Test
    void channelSpecsParse() {
        var irreps = org.e3j.engine.irreps.Irreps.parse("2x0e+3x1o+1x2e+1x0e");
        List<Channel> c = Channel.parse(List.of("0e:2, 1o:1-2", "2e"), irreps, "t");
        assertEquals(List.of("0e:2", "1o:1", "1o:2", "2e:0"), c.stream().map(Channel::label).toList());
        assertEquals(2 + 9 + 5, c.get(0).column()); // the third 0e is in the last entry
        assertEquals(2 + 3, c.get(1).column());
        assertEquals(List.of("0e:0", "1o:0", "2e:0"), Channel.defaults(irreps).stream().map(Channel::label).toList());
    }
}
