package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.md.lammps.Lammps;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code e3j lammps} as a user runs it (a separate JVM): LAMMPS's first step, written by LAMMPS
 * itself (dump of positions and forces, thermo pe and pressure tensor), equals {@code e3j eval}
 * run on the same structure, for an orthogonal and a triclinic box. Skipped, with the reason, only
 * when liblammps is absent (CI installs it).
 */
class LammpsCommandTest {
    /** LAMMPS metal units: eV/Å³ to bar. */
    static final double NKTV2P = 1.6021765e6;

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {}

    @BeforeAll
    static void needLammps() {
        String why = Lammps.unavailableReason();
        if (why != null) {
            System.err.println("SKIPPED LammpsCommandTest: " + why);
        }
        assumeTrue(why == null, "liblammps is not installed: " + why);
    }

    Run e3j(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "-De3j.home=" + Path.of("..").toAbsolutePath().normalize(), "org.e3j.cli.Main"));
        cmd.addAll(List.of(args));
        Path o = Files.createTempFile(dir, "out", ".txt");
        Path e = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(o.toFile())
                .redirectError(e.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "e3j " + String.join(" ", args) + " did not finish");
        return new Run(p.exitValue(), Files.readString(o), Files.readString(e));
    }

    static final String SCRIPT = """
            units metal
            atom_style atomic
            boundary p p p
            lattice fcc 3.59
            region box block 0 2 0 2 0 2
            create_box 1 box
            create_atoms 1 box
            mass 1 63.546
            displace_atoms all random 0.07 0.07 0.07 2024 units box
            %s
            fix e3j all external pf/callback 1 1
            fix_modify e3j energy yes virial yes
            thermo_style custom step pe press pxx pyy pzz pxy pxz pyz
            run 0
            write_dump all custom first.dump id type x y z fx fy fz modify sort id format float %%.17g
            print "$(xlo:%%.17g) $(xhi:%%.17g) $(ylo:%%.17g) $(yhi:%%.17g) $(zlo:%%.17g) $(zhi:%%.17g) $(xy:%%.17g) $(xz:%%.17g) $(yz:%%.17g)" file box.txt
            print "$(pe:%%.17g) $(pxx:%%.17g) $(pyy:%%.17g) $(pzz:%%.17g) $(pyz:%%.17g) $(pxz:%%.17g) $(pxy:%%.17g)" file thermo.txt
            """;

    void firstStepEqualsEval(String extra) throws Exception {
        Path in = dir.resolve("in.lmp");
        Files.writeString(in, SCRIPT.formatted(extra));
        Run r = e3j("lammps", in.toString(), "--elements", "Cu", "--log", "none", "--quiet");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("e3j lammps: done"), r.out());

        double[] box = parse(Files.readString(dir.resolve("box.txt")));
        double[] thermo = parse(Files.readString(dir.resolve("thermo.txt")));
        List<String> dump = Files.readAllLines(dir.resolve("first.dump"));
        int start = dump.indexOf("ITEM: ATOMS id type x y z fx fy fz") + 1;
        int n = dump.size() - start;
        assertEquals(32, n);
        double[] x = new double[3 * n];
        double[] f = new double[3 * n];
        for (int i = 0; i < n; i++) {
            double[] row = parse(dump.get(start + i));
            for (int c = 0; c < 3; c++) {
                x[3 * i + c] = row[2 + c];
                f[3 * i + c] = row[5 + c];
            }
        }
        double[] cell = {box[1] - box[0], 0, 0, box[6], box[3] - box[2], 0, box[7], box[8], box[5] - box[4]};
        int[] numbers = new int[n];
        java.util.Arrays.fill(numbers, 29);
        Path xyz = dir.resolve("first.xyz");
        ExtXyz.write(xyz, List.of(Frame.of(new Structure(numbers, x, cell, new boolean[] {true, true, true}))));
        Path evaluated = dir.resolve("eval.xyz");
        Run ev = e3j("eval", xyz.toString(), "-o", evaluated.toString());
        assertEquals(0, ev.status(), ev.out() + ev.err());
        Frame e = ExtXyz.read(evaluated).get(0);

        assertEquals(e.energy(), thermo[0], 1e-6 * Math.abs(e.energy()), "pe = e3j eval energy");
        double[] fe = e.forces();
        for (int k = 0; k < 3 * n; k++) {
            assertEquals(fe[k], f[k], 1e-6, "force component " + k);
        }
        double[] s = e.stress(); // xx yy zz yz xz xy, ASE sign: pressure = -stress
        double scale = 1;
        for (double v : s) {
            scale = Math.max(scale, Math.abs(v) * NKTV2P);
        }
        for (int k = 0; k < 6; k++) {
            assertEquals(-s[k] * NKTV2P, thermo[1 + k], 1e-5 * scale, "pressure component " + k + " (bar)");
        }
    }

    static double[] parse(String line) {
        String[] t = line.strip().split("\\s+");
        double[] v = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            v[i] = Double.parseDouble(t[i]);
        }
        return v;
    }

    @Test
    void orthogonalFirstStepEqualsEval() throws Exception {
        firstStepEqualsEval("");
    }

    @Test
    void triclinicFirstStepEqualsEval() throws Exception {
        firstStepEqualsEval("change_box all triclinic\nchange_box all xy final 0.6 xz final -0.4 yz final 0.5 remap units box");
    }

    @Test
    void badInputIsOneLineNamingTheCulprit() throws Exception {
        Run missing = e3j("lammps", "nope.lmp", "--elements", "Cu");
        assertEquals(1, missing.status(), missing.err());
        assertTrue(missing.err().contains("nope.lmp: no such file"), missing.err());
        Path in = dir.resolve("in.lmp");
        Files.writeString(in, SCRIPT.formatted(""));
        Run badElement = e3j("lammps", in.toString(), "--elements", "Qq");
        assertEquals(2, badElement.status(), badElement.err()); // an option's value: a usage error
        assertTrue(badElement.err().contains("--elements: 'Qq'"), badElement.err());
        // A LAMMPS error: Debian's LAMMPS ends the process itself, with its message and a failure status.
        Files.writeString(in, "units metal\nfix e3j all external pf/callback 1 1\n");
        Run lammpsError = e3j("lammps", in.toString(), "--elements", "Cu", "--log", "none");
        assertNotEquals(0, lammpsError.status(), lammpsError.out() + lammpsError.err());
        assertTrue((lammpsError.out() + lammpsError.err()).contains("ERROR"), lammpsError.out() + lammpsError.err());
    }

    @Test
    void theLogIsNeverTheScriptOrTheModel() throws Exception {
        // LAMMPS empties its log as it starts: on main before this test, --log in.lmp emptied the script
        String script = SCRIPT.formatted("");
        Path in = Files.writeString(dir.resolve("in.lmp"), script);
        Run same = e3j("lammps", in.toString(), "--elements", "Cu", "--log", in.toString());
        assertEquals(1, same.status(), same.err());
        assertTrue(same.err().contains("is also the LAMMPS input script"), same.err());
        assertEquals(script, Files.readString(in));
        Path model = Files.copy(Path.of("..", "models", "cu-emt.safetensors"), dir.resolve("cu.safetensors"));
        byte[] modelBytes = Files.readAllBytes(model);
        Run onModel = e3j("lammps", in.toString(), "--elements", "Cu", "-m", model.toString(), "--log",
                dir.relativize(model).toString());
        assertEquals(1, onModel.status(), onModel.err());
        assertTrue(onModel.err().contains("is also the model"), onModel.err());
        assertEquals(java.util.Arrays.toString(modelBytes), java.util.Arrays.toString(Files.readAllBytes(model)));
        // without --log LAMMPS writes log.lammps in the current folder: a script of that name is refused too
        Path named = Files.writeString(dir.resolve("log.lammps"), script);
        Run byDefault = e3j("lammps", named.toString(), "--elements", "Cu");
        assertEquals(1, byDefault.status(), byDefault.err());
        assertTrue(byDefault.err().contains("is also the LAMMPS input script"), byDefault.err());
        assertEquals(script, Files.readString(named));
    }
}
