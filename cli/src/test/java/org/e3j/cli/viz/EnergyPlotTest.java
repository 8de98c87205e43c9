package org.e3j.cli.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.md.AtomsSystem;
import org.e3j.md.MdRun;
import org.e3j.md.Thermo;
import org.e3j.md.VelocityVerlet;
import org.e3j.md.io.TrajectoryWriter;
import org.e3j.md.model.ReferenceForceField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** The energy plot: its curves are the trajectory's numbers; the picture is written at the requested size. */
class EnergyPlotTest {
    @TempDir
    static Path dir;

    static List<Frame> frames;
    static EnergySeries recorded;

    /** A short NVE run of the 20-atom molecule, written with momenta, and recorded as it goes. */
    @BeforeAll
    static void run() throws Exception {
        Object[] g = VizFixtures.firstGraph(VizFixtures.MOLECULE_FIXTURE);
        AtomsSystem system = AtomsSystem.of(new Structure((int[]) g[0], (double[]) g[1]));
        Thermo.maxwellBoltzmann(system, 300, new SplittableRandom(3), true);
        StringWriter text = new StringWriter();
        EnergySeries.Recorder recorder = new EnergySeries.Recorder();
        try (TrajectoryWriter traj = new TrajectoryWriter(text, new TrajectoryWriter.Options(true, false))) {
            MdRun run = new MdRun(system, ReferenceForceField.load(VizFixtures.MOLECULE_MODEL), new VelocityVerlet(0.5));
            run.observe(2, traj);
            run.observe(2, recorder);
            run.run(12);
        }
        frames = ExtXyz.parse(text.toString());
        recorded = recorder.series("run");
    }

    @Test
    void curvesAreTheTrajectorysValues() {
        EnergySeries s = EnergySeries.fromFrames(frames, "traj.xyz");
        assertEquals(7, s.size());
        assertEquals("time (fs)", s.xLabel());
        assertNull(s.note());
        for (int i = 0; i < s.size(); i++) {
            Frame f = frames.get(i);
            assertEquals(((Number) f.info().get("time")).doubleValue(), s.x()[i], 0);
            assertEquals(f.energy(), s.potential()[i], 0);
        }
        // Kinetic energy and temperature from the momenta equal what the run computed.
        assertArrayEquals(recorded.x(), s.x(), 1e-12);
        assertArrayEquals(recorded.potential(), s.potential(), 0);
        assertArrayEquals(recorded.kinetic(), s.kinetic(), 1e-12 * Math.abs(recorded.kinetic()[0]) + 1e-15);
        assertArrayEquals(recorded.temperature(), s.temperature(), 1e-9);
        assertArrayEquals(recorded.total(), s.total(), 1e-10);

        PanelChart chart = EnergyPlot.chart(s, 800, 600, "t");
        Map<String, double[]> y = seriesY(chart);
        assertArrayEquals(s.potential(), y.get(EnergyPlot.POTENTIAL), 0);
        assertArrayEquals(s.kinetic(), y.get(EnergyPlot.KINETIC), 0);
        assertArrayEquals(s.total(), y.get(EnergyPlot.TOTAL), 0);
        assertArrayEquals(s.temperature(), y.get(EnergyPlot.TEMPERATURE), 0);
        for (XYChart p : chart.panels()) {
            for (XYSeries series : p.getSeriesMap().values()) {
                assertArrayEquals(s.x(), series.getXData(), 0);
            }
        }
    }

    @Test
    void writesThePictureAtTheRequestedSize() throws Exception {
        Path png = dir.resolve("energy.png");
        EnergyPlot.write(recorded, png, 720, 480, "run");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(720, img.getWidth());
        assertEquals(480, img.getHeight());
        assertTrue(FeaturePlotTest.colours(img) > 10);
        Path svg = dir.resolve("energy.svg");
        EnergyPlot.write(recorded, svg, 720, 480, "run");
        String text = Files.readString(svg);
        assertTrue(text.contains("width=\"720") && text.contains("height=\"480"));
    }

    @Test
    void withoutMomentaOrKineticEnergyOnlyThePotentialEnergy() {
        List<Frame> bare = frames.stream().map(f -> {
            Map<String, org.e3j.graph.io.Property> arrays = new java.util.LinkedHashMap<>(f.arrays());
            arrays.remove("momenta");
            Map<String, Object> info = new java.util.LinkedHashMap<>(f.info());
            info.remove("kinetic_energy");
            info.remove("temperature");
            return new Frame(f.structure(), info, arrays);
        }).toList();
        EnergySeries s = EnergySeries.fromFrames(bare, "bare.xyz");
        assertNotNull(s.note());
        assertNull(s.kinetic());
        PanelChart chart = EnergyPlot.chart(s, 400, 300, null);
        assertEquals(1, chart.panels().size());
        assertArrayEquals(s.potential(), seriesY(chart).get(EnergyPlot.POTENTIAL), 0);
    }

    @Test
    void aTrajectoryWithoutEnergiesIsRefused() {
        List<Frame> noEnergy = frames.stream().map(f -> {
            Map<String, Object> info = new java.util.LinkedHashMap<>(f.info());
            info.remove("energy");
            return new Frame(f.structure(), info, f.arrays());
        }).toList();
        var e = assertThrows(IllegalArgumentException.class, () -> EnergySeries.fromFrames(noEnergy, "x.xyz"));
        assertTrue(e.getMessage().contains("x.xyz: frame 0 has no energy"), e.getMessage());
        var none = assertThrows(IllegalArgumentException.class, () -> EnergySeries.fromFrames(List.of(), "y.xyz"));
        assertTrue(none.getMessage().contains("no frames"), none.getMessage());
    }

    static Map<String, double[]> seriesY(PanelChart chart) {
        Map<String, double[]> out = new java.util.HashMap<>();
        for (XYChart p : chart.panels()) {
            p.getSeriesMap().forEach((k, v) -> out.put(k, v.getYData()));
        }
        return out;
    }
}
