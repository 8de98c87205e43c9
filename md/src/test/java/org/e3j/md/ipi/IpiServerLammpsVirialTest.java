package org.e3j.md.ipi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.LennardJones;
import org.e3j.md.lammps.Lammps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link IpiServer} against a real driver that fills only one triangle of the virial: LAMMPS's
 * {@code fix ipi} (Debian's liblammps0, run in this process on another thread) sends the pressure
 * tensor's xy, xz, yz in wire entries 1, 2, 5 and zeros in 3, 6, 7. i-PI reads that triangle; the
 * server used to average both triangles (ASE's rule), which halved every shear stress.
 *
 * <p>LAMMPS computes a shifted-force Lennard-Jones ({@code lj/smooth/linear}), the same function as
 * e3j's {@link LennardJones}, on a sheared, rattled cell the server sends; the stress the server
 * reports must be the stress LennardJones computes directly. Skipped only when liblammps is absent.
 */
class IpiServerLammpsVirialTest {
    static final double EPS = 0.0104;
    static final double SIGMA = 3.4;
    static final double CUTOFF = 8.5;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shearStressFromLammpsFixIpiIsNotHalved() throws Exception {
        String why = Lammps.unavailableReason();
        if (why != null) {
            System.err.println("SKIPPED IpiServerLammpsVirialTest: " + why);
        }
        assumeTrue(why == null, "liblammps is not installed: " + why);

        double a = 5.3;
        double l = 2 * a;
        double[] cell = {l, 0, 0, 0.9, l, 0, 0.6, -0.7, l}; // rows; LAMMPS: a along x, b in the xy plane
        double[][] basis = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
        int n = 32;
        double[] pos = new double[3 * n];
        SplittableRandom rng = new SplittableRandom(11);
        int k = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int m = 0; m < 2; m++) {
                    for (double[] b : basis) {
                        double f0 = (i + b[0]) / 2, f1 = (j + b[1]) / 2, f2 = (m + b[2]) / 2;
                        for (int c = 0; c < 3; c++) {
                            pos[3 * k + c] = f0 * cell[c] + f1 * cell[3 + c] + f2 * cell[6 + c]
                                    + 0.15 * (rng.nextDouble() - 0.5);
                        }
                        k++;
                    }
                }
            }
        }
        int[] numbers = new int[n];
        java.util.Arrays.fill(numbers, 18);
        ForceResult expected = new ForceResult();
        try (LennardJones lj = new LennardJones(EPS, SIGMA, CUTOFF, 0)) {
            lj.compute(new AtomsSystem(numbers, pos, null, null, cell, new boolean[] {true, true, true}),
                    ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS, expected);
        }
        double[] want = expected.stress();
        assertTrue(Math.abs(want[3]) + Math.abs(want[4]) + Math.abs(want[5]) > 1e-5, "the cell must have shear stress");

        String name = "e3jlmp" + UUID.randomUUID().toString().substring(0, 8);
        String script = """
                units metal
                atom_style atomic
                boundary p p p
                region box prism 0 %1$s 0 %1$s 0 %1$s 0.9 0.6 -0.7 units box
                create_box 1 box
                create_atoms 1 random 32 4242 NULL
                mass 1 39.948
                pair_style lj/smooth/linear %2$s
                pair_coeff 1 1 %3$s %4$s
                fix ipi all ipi %5$s 0 unix
                run 1
                """.formatted(l, CUTOFF, EPS, SIGMA, name);
        ForceResult got = new ForceResult();
        try (IpiServer server = IpiServer.bind(IpiAddress.unix(name), new IpiServer.Options(Duration.ofSeconds(60),
                Duration.ofSeconds(60), Duration.ofSeconds(60), 1 << 16))) {
            CompletableFuture<Void> lammps = CompletableFuture.runAsync(() -> {
                try (Lammps lmp = new Lammps(List.of("-log", "none", "-screen", "none", "-nocite"))) {
                    lmp.commands(script, "fix ipi script");
                }
            });
            server.accept();
            server.calculate(cell, pos, n, true, got);
            lammps.get(60, TimeUnit.SECONDS);
        }
        assertEquals(expected.energy(), got.energy(), 1e-6 * Math.abs(expected.energy()) + 1e-9, "energy");
        for (int c = 0; c < 3 * n; c++) {
            assertEquals(expected.forces()[c], got.forces()[c], 1e-6, "force " + c);
        }
        double[] s = got.stress();
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        String[] names = {"xx", "yy", "zz", "yz", "xz", "xy"};
        for (int c = 0; c < 6; c++) {
            assertEquals(want[c], s[c], 1e-5 * scale, "stress " + names[c] + " (eV/Å³)");
        }
    }
}
