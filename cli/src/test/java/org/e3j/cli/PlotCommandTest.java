package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.e3j.cli.viz.VizFixturesAccess;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code e3j plot} and the plot {@code e3j md} writes next to its trajectory. */
class PlotCommandTest {
    @TempDir
    Path dir;

    @Test
    void mdWritesItsPlotAndPlotRedrawsTheTrajectory() throws Exception {
        Path xyz = dir.resolve("mol.xyz");
        Object[] g = VizFixturesAccess.molecule();
        ExtXyz.write(xyz, List.of(Frame.of(new Structure((int[]) g[0], (double[]) g[1]))));
        Path traj = dir.resolve("run.xyz");
        VizCommandTest.Run md = VizCommandTest.e3j("md", "--model", VizFixturesAccess.moleculeModel().toString(), "-s",
                xyz.toString(), "--steps", "6", "--every", "2", "--timestep", "0.5", "--quiet", "-o", traj.toString());
        assertEquals(0, md.status(), md.err());
        Path mdPlot = dir.resolve("run.png");
        assertTrue(md.out().contains("plot: " + mdPlot), md.out());
        BufferedImage img = ImageIO.read(mdPlot.toFile());
        assertEquals(1000, img.getWidth());
        assertEquals(700, img.getHeight());

        Path out = dir.resolve("again.png");
        VizCommandTest.Run plot = VizCommandTest.e3j("plot", traj.toString(), "-o", out.toString(), "--width", "600",
                "--height", "400");
        assertEquals(0, plot.status(), plot.err());
        assertTrue(plot.out().contains("4 frames"), plot.out());
        assertFalse(plot.err().contains("potential energy only"), plot.err()); // frames carry kinetic_energy, temperature
        BufferedImage again = ImageIO.read(out.toFile());
        assertEquals(600, again.getWidth());
        assertEquals(400, again.getHeight());
    }

    @Test
    void aTrajectoryWithoutEnergiesIsRefused() throws Exception {
        Path xyz = dir.resolve("plain.xyz");
        Object[] g = VizFixturesAccess.molecule();
        ExtXyz.write(xyz, List.of(Frame.of(new Structure((int[]) g[0], (double[]) g[1]))));
        VizCommandTest.Run r = VizCommandTest.e3j("plot", xyz.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("e3j: plain.xyz: frame 0 has no energy"), r.err());
        assertFalse(Files.exists(dir.resolve("plain.png")), "no blank picture");

        VizCommandTest.Run missing = VizCommandTest.e3j("plot", dir.resolve("nope.xyz").toString());
        assertEquals(1, missing.status());
    }
}
