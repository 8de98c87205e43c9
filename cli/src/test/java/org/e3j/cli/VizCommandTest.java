package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code e3j viz} in-process: the picture, and one-line errors for bad input. */
class VizCommandTest {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) {}

    static Run e3j(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void drawsTheSeedExampleByDefault() throws Exception {
        Path png = dir.resolve("seed.png");
        Run r = e3j("viz", "-o", png.toString(), "--width", "500", "--height", "260");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("seed example") && r.out().contains("8x0e+8x1o"), r.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(500, img.getWidth());
        assertEquals(260, img.getHeight());
    }

    @Test
    void drawsAUserStructureAsSvg() throws Exception {
        Path xyz = dir.resolve("mol.xyz");
        Object[] g = org.e3j.cli.viz.VizFixturesAccess.molecule();
        ExtXyz.write(xyz, List.of(Frame.of(new Structure((int[]) g[0], (double[]) g[1]))));
        Path svg = dir.resolve("mol.svg");
        Run r = e3j("viz", "-s", xyz.toString(), "--cutoff", "2.0", "--channel", "0e:1,1o:2", "-o", svg.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("cutoff 2.0"), r.out());
        assertTrue(Files.size(svg) > 1000);
        assertTrue(Files.readString(svg).contains("width=\"1200"));
    }

    @Test
    void badInputGivesOneLineAndNoPicture() throws Exception {
        Path png = dir.resolve("bad.png");
        Run channel = e3j("viz", "--channel", "2e:0", "-o", png.toString());
        assertEquals(2, channel.status()); // a value the option cannot take: a usage error
        assertTrue(channel.err().startsWith("e3j: --channel 2e:0: channel does not exist"), channel.err());
        assertEquals(1, channel.err().strip().lines().count(), channel.err());

        Path lone = dir.resolve("lone.xyz");
        ExtXyz.write(lone, List.of(Frame.of(new Structure(new int[] {6}, new double[] {0, 0, 0}))));
        Run one = e3j("viz", "-s", lone.toString(), "-o", png.toString());
        assertEquals(1, one.status());
        assertTrue(one.err().contains("the structure has 1 atom"), one.err());

        Run size = e3j("viz", "--width", "10", "-o", png.toString());
        assertEquals(2, size.status());
        assertTrue(size.err().contains("--width"), size.err());

        Run format = e3j("viz", "-o", dir.resolve("x.gif").toString());
        assertEquals(2, format.status());
        assertTrue(format.err().contains(".png or .svg"), format.err());
        assertFalse(Files.exists(png), "no picture for bad input");
    }
}
