package org.e3j.cli.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** The e3j viz picture: written, non-empty, of the requested size, equal units on both axes. */
class FeaturePlotTest {
    @TempDir
    Path dir;

    static FeatureScene scene() {
        ReferenceModel m = ReferenceModel.load(VizFixtures.SEED_MODEL);
        return FeatureScene.compute(m, SeedExample.NUMBERS, SeedExample.POSITIONS,
                FeatureScene.Edges.fixed(SeedExample.SENDERS, SeedExample.RECEIVERS), "layer_1/gated",
                List.of("0e:0", "0e:1", "1o:0", "1e:0", "2e:0"), org.e3j.engine.so3.WignerD.randomRotation(
                        new java.util.Random(5)));
    }

    @Test
    void writesPngAndSvgOfTheRequestedSize() throws Exception {
        PanelChart chart = FeaturePlot.chart(scene(), 640, 320, Camera.standard(), "seed", "R");
        Path png = dir.resolve("viz.png");
        FeaturePlot.write(chart, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(320, img.getHeight());
        assertTrue(colours(img) > 20, "the picture is not blank");

        Path svg = dir.resolve("viz.svg");
        FeaturePlot.write(chart, svg);
        String text = Files.readString(svg, StandardCharsets.UTF_8);
        assertTrue(text.contains("<svg") && text.contains("width=\"640") && text.contains("height=\"320"),
                text.substring(0, Math.min(400, text.length())));
        assertTrue(text.contains("<path") || text.contains("<polygon") || text.contains("<polyline"));
    }

    @Test
    void panelsHaveEqualUnitsAndTheSameScale() {
        PanelChart chart = FeaturePlot.chart(scene(), 900, 400, Camera.standard(), "seed", "R");
        int[] b = PanelChart.cell(0, 1, 2, 900, 400, false);
        double[] left = FeaturePlot.pixelsPerUnit(chart.panels().get(0), b[2], b[3]);
        double[] right = FeaturePlot.pixelsPerUnit(chart.panels().get(1), b[2], b[3]);
        assertEquals(left[0], left[1], 0.02 * left[0]);
        assertEquals(left[0], right[0], 0.02 * left[0]);
        assertEquals(right[0], right[1], 0.02 * right[0]);
    }

    @Test
    void arrowsAreDrawnFromTheAtomsAlongTheProjectedFeature() {
        FeatureScene s = scene();
        PanelChart chart = FeaturePlot.chart(s, 640, 320, Camera.standard(), "seed", "R");
        XYChart right = chart.panels().get(1);
        Camera cam = Camera.standard();
        double[] v0 = s.rotated.vectors()[0];
        FeaturePlot.Scales sc = new FeaturePlot.Scales(s);
        for (int i = 0; i < 3; i++) {
            XYSeries arrow = right.getSeriesMap().get("arrow0-" + i);
            double[] x = arrow.getXData();
            double[] y = arrow.getYData();
            double[] p = s.rotated.positions();
            double px = p[3 * i] - s.centroid[0];
            double py = p[3 * i + 1] - s.centroid[1];
            double pz = p[3 * i + 2] - s.centroid[2];
            assertEquals(cam.u(px, py, pz), x[0], 1e-12);
            assertEquals(cam.v(px, py, pz), y[0], 1e-12);
            double du = cam.u(v0[3 * i], v0[3 * i + 1], v0[3 * i + 2]) * sc.arrowScale;
            double dv = cam.v(v0[3 * i], v0[3 * i + 1], v0[3 * i + 2]) * sc.arrowScale;
            assertEquals(du, x[1] - x[0], 1e-12);
            assertEquals(dv, y[1] - y[0], 1e-12);
        }
    }

    @Test
    void badSizesAndFormatsAreRefused() {
        FeatureScene s = scene();
        var small = assertThrows(IllegalArgumentException.class,
                () -> FeaturePlot.chart(s, 20, 300, Camera.standard(), "seed", "R"));
        assertTrue(small.getMessage().contains("--width"), small.getMessage());
        ReferenceModel m = ReferenceModel.load(VizFixtures.SEED_MODEL);
        FeatureScene eight = FeatureScene.compute(m, SeedExample.NUMBERS, SeedExample.POSITIONS,
                FeatureScene.Edges.fixed(SeedExample.SENDERS, SeedExample.RECEIVERS), "output/node_features",
                List.of("1o:0-7"), org.e3j.engine.so3.WignerD.randomRotation(new java.util.Random(5)));
        var many = assertThrows(IllegalArgumentException.class,
                () -> FeaturePlot.chart(eight, 600, 300, Camera.standard(), "seed", "R"));
        assertTrue(many.getMessage().contains("at most 6"), many.getMessage());
        var jpg = assertThrows(IllegalArgumentException.class, () -> Figures.Format.of(dir.resolve("x.jpg")));
        assertTrue(jpg.getMessage().contains(".png or .svg"), jpg.getMessage());
    }

    @Test
    void cameraIsARotation() {
        Camera c = Camera.of(-35, 25);
        double[][] m = {c.right(), c.up(), c.toward()};
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                double d = m[a][0] * m[b][0] + m[a][1] * m[b][1] + m[a][2] * m[b][2];
                assertEquals(a == b ? 1 : 0, d, 1e-12);
            }
        }
        double[] x = {c.right()[1] * c.up()[2] - c.right()[2] * c.up()[1],
            c.right()[2] * c.up()[0] - c.right()[0] * c.up()[2], c.right()[0] * c.up()[1] - c.right()[1] * c.up()[0]};
        for (int k = 0; k < 3; k++) {
            assertEquals(c.toward()[k], x[k], 1e-12);
        }
    }

    static int colours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
