package org.e3j.graph.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.e3j.graph.Json;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtXyzTest {

    static String resource(String path) throws IOException {
        try (var in = ExtXyzTest.class.getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Object> expectedFrames() throws IOException {
        return (List<Object>) Json.parse(resource("/extxyz/ase_frames.json"));
    }

    static double[] doubles(Object o) {
        List<?> l = (List<?>) o;
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = ((Number) l.get(i)).doubleValue();
        }
        return a;
    }

    /** Frames written by ASE read exactly as ASE reads them back. */
    @Test
    @SuppressWarnings("unchecked")
    void readsAseWrittenFile() throws IOException {
        List<Frame> frames = ExtXyz.parse(resource("/extxyz/ase_frames.xyz"));
        List<Object> expected = expectedFrames();
        assertEquals(expected.size(), frames.size());
        for (int k = 0; k < frames.size(); k++) {
            Map<String, Object> e = (Map<String, Object>) expected.get(k);
            Frame f = frames.get(k);
            Structure s = f.structure();
            List<?> z = (List<?>) e.get("numbers");
            for (int i = 0; i < z.size(); i++) {
                assertEquals(((Number) z.get(i)).intValue(), s.number(i));
            }
            assertArrayEquals(doubles(e.get("positions")), s.positions(), 0.0);
            assertArrayEquals(doubles(e.get("cell")), s.cell(), 0.0);
            List<?> pbc = (List<?>) e.get("pbc");
            for (int c = 0; c < 3; c++) {
                assertEquals(pbc.get(c), s.pbc(c));
            }
            if (e.containsKey("energy")) {
                assertEquals(((Number) e.get("energy")).doubleValue(), f.energy(), 0.0);
                assertArrayEquals(doubles(e.get("forces")), f.forces(), 0.0);
                assertArrayEquals(doubles(e.get("stress")), f.stress(), 1e-15);
            } else {
                assertNull(f.energy());
                assertNull(f.forces());
                assertNull(f.stress());
            }
            Map<String, Object> info = (Map<String, Object>) e.get("info");
            for (Map.Entry<String, Object> kv : info.entrySet()) {
                Object mine = f.info().get(kv.getKey());
                Object theirs = kv.getValue();
                if (theirs instanceof List<?>) {
                    assertArrayEquals(doubles(theirs), (double[]) mine, 0.0, kv.getKey());
                } else if (theirs instanceof Long l) {
                    assertEquals(l, mine);
                } else {
                    assertEquals(theirs, mine, kv.getKey());
                }
            }
        }
        Frame first = frames.get(0);
        assertEquals("hello world", first.info().get("note"));
        assertEquals(3L, first.info().get("step"));
        assertEquals(Boolean.TRUE, first.info().get("flag"));
        assertArrayEquals(new double[] {1.5, 2.0, -3.25}, (double[]) first.info().get("vec"));
    }

    static Frame randomFrame(Random r, boolean periodic) {
        int n = 1 + r.nextInt(6);
        int[] z = new int[n];
        double[] p = new double[3 * n];
        for (int i = 0; i < n; i++) {
            z[i] = 1 + r.nextInt(118);
            p[3 * i] = 2.0 * i + r.nextDouble() * 1e-3;
            p[3 * i + 1] = r.nextGaussian() * 1e-7;
            p[3 * i + 2] = -r.nextDouble() * 1e5;
        }
        Structure s = periodic
                ? new Structure(z, p, new double[] {4 * n, 0, 0, 0.1, 3.3, 0, -0.2, 0.5, 5e6}, new boolean[] {true, true, false})
                : new Structure(z, p);
        double[] forces = new double[3 * n];
        for (int k = 0; k < forces.length; k++) {
            forces[k] = r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10);
        }
        int[] tags = new int[n];
        boolean[] fixed = new boolean[3 * n];
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            tags[i] = r.nextInt() ;
            fixed[3 * i + r.nextInt(3)] = true;
            names[i] = "site_" + i;
        }
        return Frame.of(s).withEnergy(r.nextGaussian() * 100).withForces(forces)
                .withStress(new double[] {r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), 1e-9, -2.5, 0})
                .withArray(Property.integer("tags", 1, tags)).withArray(Property.logical("move_mask", 3, fixed))
                .withArray(Property.string("site", names))
                .withInfo("comment", "a \"quoted\" word, back\\slash = equals")
                .withInfo("config_type", "bulk")
                .withInfo("step", (long) r.nextInt(1000))
                .withInfo("big", Long.MAX_VALUE)
                .withInfo("temperature", 300.0)
                .withInfo("converged", r.nextBoolean())
                .withInfo("ivec", new long[] {1, -2, 3})
                .withInfo("mask", new boolean[] {true, false});
    }

    static void assertSameFrame(Frame a, Frame b) {
        assertArrayEquals(a.structure().numbers(), b.structure().numbers());
        assertArrayEquals(a.structure().positions(), b.structure().positions(), 0.0);
        assertArrayEquals(a.structure().cell(), b.structure().cell(), 0.0);
        assertArrayEquals(a.structure().pbc(), b.structure().pbc());
        assertEquals(a.info().keySet(), b.info().keySet());
        for (String k : a.info().keySet()) {
            Object x = a.info().get(k), y = b.info().get(k);
            assertTrue(Arrays.deepEquals(new Object[] {x}, new Object[] {y}), k + ": " + x + " vs " + y);
        }
        assertEquals(a.arrays(), b.arrays());
    }

    @Test
    void roundTripIsExact() {
        Random r = new Random(42);
        for (int t = 0; t < 20; t++) {
            List<Frame> frames = List.of(randomFrame(r, true), randomFrame(r, false), randomFrame(r, true));
            String text = ExtXyz.toString(frames);
            List<Frame> back = ExtXyz.parse(text);
            assertEquals(3, back.size());
            for (int k = 0; k < 3; k++) {
                assertSameFrame(frames.get(k), back.get(k));
            }
            assertEquals(text, ExtXyz.toString(back));
        }
        // the ASE file survives read -> write -> read
        List<Frame> ase = ExtXyz.parse(assertDoesNotThrow(() -> resource("/extxyz/ase_frames.xyz")));
        List<Frame> again = ExtXyz.parse(ExtXyz.toString(ase));
        for (int k = 0; k < ase.size(); k++) {
            assertSameFrame(ase.get(k), again.get(k));
        }
    }

    static <T> T assertDoesNotThrow(java.util.concurrent.Callable<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void streamsFrameByFrame() {
        StringBuilder sb = new StringBuilder();
        for (int f = 0; f < 50; f++) {
            sb.append("2\nProperties=species:S:1:pos:R:3 step=").append(f).append('\n');
            sb.append("H 0 0 0\nH 0 0 ").append(0.7 + f * 0.001).append('\n');
        }
        sb.append("\n\n");
        int[] seen = {0};
        try (ExtXyzReader r = new ExtXyzReader(new StringReader(sb.toString()))) {
            for (Frame f : r) {
                assertEquals((long) seen[0], f.info().get("step"));
                seen[0]++;
            }
            assertFalse(r.hasNext());
            assertNull(r.readFrame());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(50, seen[0]);
    }

    @Test
    void plainXyzAndVariants() {
        // plain xyz: no Properties, comment treated as bare keys, CRLF, lower-case symbols, Z column
        List<Frame> f = ExtXyz.parse("3\r\nwater molecule\r\no 0 0 0.12\r\nH 0 0.76 -0.48\r\nh 0 -0.76 -0.48\r\n");
        assertArrayEquals(new int[] {8, 1, 1}, f.get(0).structure().numbers());
        assertEquals(Boolean.TRUE, f.get(0).info().get("water"));
        f = ExtXyz.parse("1\nProperties=Z:I:1:pos:R:3 pbc=\"F F F\"\n29 1.0 2.0 3.0 extra columns ignored\n");
        assertEquals(29, f.get(0).structure().number(0));
        f = ExtXyz.parse("1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3\nCu 0 0 0\n");
        assertArrayEquals(new boolean[] {true, true, true}, f.get(0).structure().pbc());
        f = ExtXyz.parse("1\nstress=\"1 2 3 4 5 6\" energy=1e-3 key = value\nAr 0 0 0\n");
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, f.get(0).stress());
        assertEquals(1e-3, f.get(0).energy());
        assertEquals("value", f.get(0).info().get("key"));
        // a key twice: the same value (or a word repeated in a plain comment) is fine; two values are refused,
        // where ASE silently keeps the last
        f = ExtXyz.parse("1\nthe frame of the run tag=1 tag=1\nAr 0 0 0\n");
        assertEquals(1L, f.get(0).info().get("tag"));
        badAt("1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 Lattice=\"30 0 0 0 30 0 0 0 30\"\n"
                + "Cu 0 0 0\n", 2, "'Lattice' is given twice");
        badAt("1\nstep=1 time=2.0 step=2\nAr 0 0 0\n", 2, "'step' is given twice");
        // species and Z both given: Z is used, as ASE does (the species column may hold labels or PDB
        // atom names, such as CA for an alpha carbon, that read as other elements)
        f = ExtXyz.parse("2\nProperties=species:S:1:pos:R:3:Z:I:1\nCA 0 0 0 6\nCu_a 2 0 0 29\n");
        assertArrayEquals(new int[] {6, 29}, f.get(0).structure().numbers());
    }

    static ExtXyzException bad(String text) {
        return assertThrows(ExtXyzException.class, () -> ExtXyz.parse(text));
    }

    static void badAt(String text, long line, String fragment) {
        ExtXyzException e = bad(text);
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void malformedInputNamesTheLine() {
        String ok = "2\nProperties=species:S:1:pos:R:3\nH 0 0 0\nH 0 0 0.7\n";
        badAt(ok + "3\n\nH 0 0 0\nH 0 0 1\n", 9, "truncated frame");
        badAt(ok + "1\n", 6, "missing the comment line");
        badAt("3\n\nH 0 0 0\nH 0 0 1\nH 0 0 2\nH 0 0 3\n", 6, "expected an atom count, got 'H 0 0 3'");
        badAt("two\n\nH 0 0 0\n", 1, "expected an atom count");
        badAt("-1\n\n", 1, "expected an atom count");
        badAt("0\n\n", 1, "0 atoms");
        badAt("2\n\nH 0 0 0\nH 0 zero 1\n", 4, "bad number 'zero' in column pos");
        badAt("2\n\nH 0 0 0\nH 0 1\n", 4, "expected 4 columns");
        badAt("1\n\nH 0 0 0x1p3\n", 3, "bad number");
        badAt("1\n\nH 0 0 1.0d\n", 3, "bad number");
        badAt("1\n\nH 0 0 nan\n", 3, "non-finite");
        badAt("1\n\nQx 0 0 0\n", 3, "unknown element 'Qx'");
        badAt("1\nProperties=species:S:1\nH\n", 2, "no pos column");
        badAt("1\nProperties=pos:R:3\n0 0 0\n", 2, "no species");
        badAt("1\nProperties=species:S:1:pos:R\nH 0 0 0\n", 2, "not a list of name:type:ncols");
        badAt("1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n", 2, "unknown property type 'X'");
        badAt("1\nProperties=species:S:1:pos:R:3:f:R:99999999\nH 0 0 0\n", 2, "bad column count");
        badAt("1\nProperties=species:S:1:pos:R:2\nH 0 0\n", 2, "pos must be R:3");
        badAt("1\nProperties=species:S:1:pos:R:3:tags:I:1\nH 0 0 0 1.5\n", 3, "bad integer '1.5'");
        badAt("1\nLattice=\"1 0 0 0 1 0\"\nH 0 0 0\n", 2, "Lattice must have 9 numbers");
        badAt("1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T T\"\nH 0 0 0\n", 2, "pbc must be three logicals");
        badAt("1\nnote=\"unterminated\nH 0 0 0\n", 2, "unterminated quote");
        badAt("1\nstress=\"1 2 3\"\nH 0 0 0\n", 2, "stress must have 9 values");
        // structure-level problems are reported at the frame's first line
        badAt(ok + "2\n\nH 0 0 0\nH 0 0 0.01\n", 5, "atoms 0 (H) and 1 (H)");
        badAt("1\nLattice=\"1 0 0 2 0 0 0 0 1\"\nH 0 0 0\n", 1, "singular");
        assertTrue(bad("1\n\nH 0 0 0 \n2\n").getMessage().contains("line 5"));
        // ExtXyzException is a StructureException
        assertThrows(StructureException.class, () -> ExtXyz.parse("x\n"));
    }

    @Test
    void hostileInputIsBounded() {
        // absurd declared count: refused before allocating
        badAt("99999999999\n\n", 1, "exceeds the limit");
        badAt("999999999999999999999999\n\n", 1, "expected an atom count");
        // a large but allowed count with a truncated body: lazy, fails fast at the end of input
        long t0 = System.nanoTime();
        badAt("9000000\n\nH 0 0 0\nH 0 0 1\n", 5, "says 9000000 atoms but the input ends after 2");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
        // configurable cap
        ExtXyzReader.Options small = ExtXyzReader.Options.DEFAULT.withMaxAtoms(10);
        ExtXyzException e = assertThrows(ExtXyzException.class,
                () -> ExtXyz.parse("11\n\n" + "H 0 0 0\n".repeat(11), small));
        assertTrue(e.getMessage().contains("limit of 10"), e.getMessage());
        // endless line (never materialised): a Reader producing 'a' forever
        Reader endless = new Reader() {
            @Override
            public int read(char[] cbuf, int off, int len) {
                Arrays.fill(cbuf, off, off + len, 'a');
                return len;
            }

            @Override
            public void close() {}
        };
        ExtXyzReader r = new ExtXyzReader(endless, ExtXyzReader.Options.DEFAULT.withMaxLineLength(100_000));
        e = assertThrows(ExtXyzException.class, r::readFrame);
        assertTrue(e.getMessage().contains("longer than 100000"), e.getMessage());
        // huge comment line with many keys under the limit still parses
        StringBuilder sb = new StringBuilder("1\n");
        for (int k = 0; k < 2000; k++) {
            sb.append("k").append(k).append("=").append(k).append(' ');
        }
        sb.append("\nH 0 0 0\n");
        assertEquals(2000, ExtXyz.parse(sb.toString()).get(0).info().size());
        // binary garbage
        Random rnd = new Random(1);
        for (int t = 0; t < 200; t++) {
            byte[] b = new byte[rnd.nextInt(300)];
            rnd.nextBytes(b);
            String s = (rnd.nextBoolean() ? "2\n" : "") + new String(b, StandardCharsets.ISO_8859_1);
            try {
                ExtXyz.parse(s);
            } catch (StructureException expected) {
                // fine: typed error
            }
        }
    }

    @Test
    void writerRefusesWhatCannotBeRead() {
        Structure s = new Structure(new int[] {1}, new double[] {0, 0, 0});
        assertThrows(IllegalArgumentException.class, () -> ExtXyz.toString(List.of(Frame.of(s).withInfo("bad key", 1L))));
        assertThrows(IllegalArgumentException.class, () -> ExtXyz.toString(List.of(Frame.of(s).withInfo("pbc", 1L))));
        assertThrows(IllegalArgumentException.class,
                () -> ExtXyz.toString(List.of(Frame.of(s).withInfo("c", "two\nlines"))));
        assertThrows(IllegalArgumentException.class,
                () -> ExtXyz.toString(List.of(Frame.of(s).withArray(Property.string("site", new String[] {"a b"})))));
        assertThrows(IllegalArgumentException.class,
                () -> Frame.of(s).withForces(new double[6]));
    }

    /** Optional: ASE (if the test venv exists) reads what Java writes. */
    @Test
    void aseReadsJavaOutput(@TempDir Path dir) throws Exception {
        Path python = Path.of(System.getProperty("e3j.python", "../python/.venv/bin/python")).toAbsolutePath().normalize();
        if (!Files.isExecutable(python)) {
            return; // primary compatibility checks use committed ASE-written files
        }
        Random r = new Random(3);
        List<Frame> frames = List.of(randomFrame(r, true), randomFrame(r, false));
        Path xyz = dir.resolve("java.xyz");
        ExtXyz.write(xyz, frames);
        String script = String.join("\n",
                "import sys, json, numpy as np",
                "from ase.io import read",
                "out = []",
                "for a in read(sys.argv[1], index=':'):",
                "    r = a.calc.results if a.calc is not None else {}",
                "    out.append(dict(numbers=a.numbers.tolist(), positions=a.positions.ravel().tolist(),",
                "        cell=a.cell.array.ravel().tolist(), pbc=[bool(x) for x in a.pbc],",
                "        energy=float(r['energy']), forces=np.asarray(r['forces']).ravel().tolist(),",
                "        stress=np.asarray(r['stress']).ravel().tolist(), tags=a.arrays['tags'].tolist(),",
                "        comment=a.info['comment'], step=int(a.info['step'])))",
                "print(json.dumps(out))");
        Process p = new ProcessBuilder(python.toString(), "-c", script, xyz.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        @SuppressWarnings("unchecked")
        List<Object> got = (List<Object>) Json.parse(out.strip().lines().reduce((a, b) -> b).orElse(""));
        for (int k = 0; k < frames.size(); k++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> g = (Map<String, Object>) got.get(k);
            Frame f = frames.get(k);
            assertArrayEquals(f.structure().positions(), doubles(g.get("positions")), 0.0);
            assertArrayEquals(f.structure().cell(), doubles(g.get("cell")), 0.0);
            assertEquals(f.energy(), ((Number) g.get("energy")).doubleValue(), 0.0);
            assertArrayEquals(f.forces(), doubles(g.get("forces")), 0.0);
            assertArrayEquals(f.stress(), doubles(g.get("stress")), 0.0);
            assertEquals(f.info().get("comment"), g.get("comment"));
            assertEquals(f.info().get("step"), g.get("step"));
            double[] tags = doubles(g.get("tags"));
            int[] mine = f.arrays().get("tags").ints();
            for (int i = 0; i < mine.length; i++) {
                assertEquals(mine[i], (long) tags[i]);
            }
            List<?> pbc = (List<?>) g.get("pbc");
            for (int c = 0; c < 3; c++) {
                assertEquals(f.structure().pbc(c), pbc.get(c));
            }
        }
    }
}
