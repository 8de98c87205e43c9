package org.e3j.md.lammps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.Thermo;
import org.e3j.md.Units;
import org.e3j.md.VelocityVerlet;
import org.e3j.md.model.FastForceField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * e3j as the forces of a real LAMMPS run (Debian's liblammps0, loaded through FFM): the first
 * step's energy, forces and pressure equal e3j's own evaluation of the same atoms (what
 * {@code e3j eval} computes), for an orthogonal and a triclinic box, and an NVE run conserves energy
 * as well as e3j's own velocity Verlet does on the same start.
 *
 * <p>Skipped, with the reason, only when liblammps cannot be loaded (a developer machine without
 * the package); CI installs it ({@code scripts/test-all}).
 */
class LammpsFixExternalTest {
    static final Path MODEL = Path.of("../models/cu-emt.safetensors");
    /** LAMMPS metal units: eV/Å³ to bar (its nktv2p). */
    static final double NKTV2P = 1.6021765e6;

    @TempDir
    Path dir;

    @BeforeAll
    static void needLammps() {
        String why = Lammps.unavailableReason();
        if (why != null) {
            System.err.println("SKIPPED LammpsFixExternalTest: " + why);
        }
        assumeTrue(why == null, "liblammps is not installed: " + why);
    }

    static Lammps quietLammps(Path dir) {
        return new Lammps(List.of("-log", dir.resolve("log.lammps").toString(), "-screen", "none", "-nocite"));
    }

    /** 108 Cu atoms (fcc 3x3x3), rattled; {@code extra} goes before the fix lines. */
    static String crystal(String extra) {
        return """
                units metal
                atom_style atomic
                boundary p p p
                lattice fcc 3.59
                region box block 0 3 0 3 0 3
                create_box 1 box
                create_atoms 1 box
                mass 1 63.546
                displace_atoms all random 0.06 0.06 0.06 4711 units box
                %s
                fix e3j all external pf/callback 1 1
                fix_modify e3j energy yes virial yes
                thermo_style custom step pe ke etotal press pxx pyy pzz pxy pxz pyz
                thermo_modify norm no
                run 0
                """.formatted(extra);
    }

    void firstStepMatches(String extra, boolean triclinic) throws IOException {
        Path in = dir.resolve("in.lmp");
        Files.writeString(in, crystal(extra));
        try (FastForceField ff = FastForceField.load(MODEL, 1); Lammps lmp = quietLammps(dir);
                FastForceField check = FastForceField.load(MODEL, 1)) {
            LammpsScript.Summary s = LammpsScript.run(lmp, in, ff, new int[] {29}, new String[] {"Cu"});
            assertEquals(1, s.fixes());
            assertTrue(s.evaluations() >= 1, "callback never called");
            int n = lmp.setting("nlocal");
            assertEquals(108, n);
            assertEquals(triclinic ? 1 : 0, lmp.setting("triclinic"));
            boolean[] pbc = new boolean[3];
            double[] b = lmp.box(pbc);
            double[] cell = {b[3] - b[0], 0, 0, b[6], b[4] - b[1], 0, b[8], b[7], b[5] - b[2]};
            double[] x = lmp.atomVectors("x", n);
            double[] f = lmp.atomVectors("f", n);
            int[] numbers = new int[n];
            java.util.Arrays.fill(numbers, 29);
            // The same atoms evaluated by e3j alone (what `e3j eval` does with this structure).
            AtomsSystem atoms = new AtomsSystem(numbers, x, null, null, cell, pbc);
            ForceResult r = new ForceResult();
            check.compute(atoms, ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS, r);

            double pe = lmp.thermo("pe");
            assertEquals(r.energy(), pe, 1e-9 * Math.abs(r.energy()) + 1e-9, "potential energy");
            double fmax = 0;
            for (int k = 0; k < 3 * n; k++) {
                fmax = Math.max(fmax, Math.abs(r.forces()[k]));
                assertEquals(r.forces()[k], f[k], 1e-9, "force component " + k);
            }
            assertTrue(fmax > 0.05, "rattled crystal should have forces, max " + fmax);
            double[] st = r.stress(); // xx yy zz yz xz xy, ASE sign: P = -sigma
            String[] keys = {"pxx", "pyy", "pzz", "pyz", "pxz", "pxy"};
            double scale = 0;
            for (double v : st) {
                scale = Math.max(scale, Math.abs(v) * NKTV2P);
            }
            for (int k = 0; k < 6; k++) {
                double expected = -st[k] * NKTV2P;
                assertEquals(expected, lmp.thermo(keys[k]), 1e-6 * scale + 1e-6, keys[k] + " (bar)");
            }
            assertEquals(-(st[0] + st[1] + st[2]) / 3 * NKTV2P, lmp.thermo("press"), 1e-6 * scale + 1e-6, "press");
            if (triclinic) {
                assertTrue(Math.abs(st[3]) + Math.abs(st[4]) + Math.abs(st[5]) > 1e-5,
                        "a sheared box must have shear stress");
            }
        }
    }

    @Test
    void firstStepEqualsE3jOrthogonal() throws IOException {
        firstStepMatches("", false);
    }

    @Test
    void firstStepEqualsE3jTriclinic() throws IOException {
        // shear the crystal (atoms remapped: no close contacts across the tilted boundary)
        firstStepMatches("change_box all triclinic\nchange_box all xy final 0.9 xz final 0.5 yz final -0.7 remap units box",
                true);
    }

    /**
     * 250 steps of 2 fs NVE at 600 K, LAMMPS integrating with e3j forces, against e3j's own
     * velocity Verlet from the same positions and velocities: the drift of the total energy must be
     * of the same size (both are float32 forces with a double integrator).
     */
    @Test
    void nveDriftComparableToE3jMd() throws IOException {
        Path in = dir.resolve("nve.lmp");
        Files.writeString(in, crystal("velocity all create 600 8675309 mom yes rot no dist gaussian\n"
                + "timestep 0.002\nfix nve all nve\nthermo 100"));
        int steps = 250;
        int every = 25;
        double lammpsDrift;
        double e3jDrift;
        try (FastForceField ff = FastForceField.load(MODEL, 1); Lammps lmp = quietLammps(dir)) {
            LammpsScript.run(lmp, in, ff, new int[] {29}, new String[] {"Cu"});
            int n = lmp.setting("nlocal");
            boolean[] pbc = new boolean[3];
            double[] b = lmp.box(pbc);
            double[] cell = {b[3] - b[0], 0, 0, b[6], b[4] - b[1], 0, b[8], b[7], b[5] - b[2]};
            double[] x = lmp.atomVectors("x", n);
            double[] v = lmp.atomVectors("v", n);
            double e0 = lmp.thermo("etotal");
            double temperature = lmp.thermo("temp");
            assertTrue(temperature > 300, "velocities were created, T = " + temperature);
            double worst = 0;
            for (int done = 0; done < steps; done += every) {
                lmp.command("run " + every + " pre no post no");
                worst = Math.max(worst, Math.abs(lmp.thermo("etotal") - e0));
            }
            lammpsDrift = worst / n;

            // e3j's own integrator from the same state (Å/ps -> Å per ASE time unit)
            int[] numbers = new int[n];
            java.util.Arrays.fill(numbers, 29);
            double[] vAse = new double[3 * n];
            for (int k = 0; k < 3 * n; k++) {
                vAse[k] = v[k] * 1e-3 / Units.FS;
            }
            double[] masses = new double[n];
            java.util.Arrays.fill(masses, 63.546);
            AtomsSystem atoms = new AtomsSystem(numbers, x, vAse, masses, cell, pbc);
            ForceResult out = new ForceResult();
            ff.compute(atoms, ForceResult.ENERGY | ForceResult.FORCES, out);
            double start = out.energy() + Thermo.kineticEnergy(atoms);
            assertEquals(e0, start, 1e-6 * Math.abs(e0), "LAMMPS and e3j agree on the starting total energy");
            VelocityVerlet vv = new VelocityVerlet(2.0);
            worst = 0;
            for (int step = 1; step <= steps; step++) {
                vv.step(atoms, ff, out);
                if (step % every == 0) {
                    worst = Math.max(worst, Math.abs(out.energy() + Thermo.kineticEnergy(atoms) - start));
                }
            }
            e3jDrift = worst / n;
        }
        System.out.printf("NVE 250 x 2 fs, 108 Cu, 600 K: max |E - E0| per atom: LAMMPS %.3g eV, e3j md %.3g eV%n",
                lammpsDrift, e3jDrift);
        assertTrue(lammpsDrift < 2e-4, "LAMMPS NVE drift " + lammpsDrift + " eV/atom");
        assertTrue(lammpsDrift <= 3 * e3jDrift + 2e-5,
                "LAMMPS drift " + lammpsDrift + " eV/atom vs e3j md " + e3jDrift);
    }

    @Test
    void scriptWithoutFixExternalIsRefused() throws IOException {
        Path in = dir.resolve("nofix.lmp");
        Files.writeString(in, "units metal\natom_style atomic\n");
        try (FastForceField ff = FastForceField.load(MODEL, 1); Lammps lmp = quietLammps(dir)) {
            LammpsException e = assertThrows(LammpsException.class,
                    () -> LammpsScript.run(lmp, in, ff, new int[] {29}, new String[] {"Cu"}));
            assertTrue(e.getMessage().contains("fix ID GROUP external pf/callback"), e.getMessage());
        }
    }

    @Test
    void callbackErrorsStopTheRunAndAreOneLineExceptions() throws IOException {
        Path realUnits = dir.resolve("real.lmp");
        Files.writeString(realUnits, crystal("").replace("units metal", "units real"));
        Path twoTypes = dir.resolve("types.lmp");
        Files.writeString(twoTypes, crystal("").replace("create_box 1 box", "create_box 2 box")
                .replace("mass 1 63.546", "mass * 63.546\nset group all type/fraction 2 0.5 99"));
        try (FastForceField ff = FastForceField.load(MODEL, 1)) {
            try (Lammps lmp = quietLammps(dir)) {
                LammpsException e = assertThrows(LammpsException.class,
                        () -> LammpsScript.run(lmp, realUnits, ff, new int[] {29}, new String[] {"Cu"}));
                assertTrue(e.getMessage().contains("units real"), e.getMessage());
            }
            try (Lammps lmp = quietLammps(dir)) {
                LammpsException e = assertThrows(LammpsException.class,
                        () -> LammpsScript.run(lmp, twoTypes, ff, new int[] {29}, new String[] {"Cu"}));
                assertTrue(e.getMessage().startsWith(twoTypes + ": fix e3j, step 0: atom type 2 has no element"),
                        e.getMessage());
                assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            }
        }
    }

    /**
     * Open MPI (started by LAMMPS) must leave the JVM's signal handlers alone: its UCX transport
     * replaces SIGSEGV's, which kills the JVM at its next implicit null check. jcmd lists them.
     */
    @Test
    void theJvmKeepsItsSignalHandlersAfterLammpsStarts() throws Exception {
        try (Lammps lmp = quietLammps(dir)) {
            lmp.command("units metal");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(ProcessHandle.current().pid()), "VM.info").redirectErrorStream(true).start();
            String info = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            int at = info.indexOf("Signal Handlers:");
            assumeTrue(at >= 0, "jcmd VM.info printed no signal handlers");
            String handlers = info.substring(at, Math.min(info.length(), at + 2000));
            for (String sig : new String[] {"SIGSEGV", "SIGBUS"}) {
                String line = handlers.lines().filter(l -> l.strip().startsWith(sig + ":")).findFirst().orElse("");
                assertTrue(line.contains("libjvm.so"), sig + " handler replaced after LAMMPS started: " + line);
            }
        }
    }
}
