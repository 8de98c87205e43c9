package org.e3j.md;

import java.util.SplittableRandom;

/** Test structures: argon and copper crystals, clusters. */
final class Systems {
    private Systems() {}

    /** fcc lattice (4 atoms per cubic cell), reps^3 cells of side a, periodic, rattled by {@code rattle} Å. */
    static AtomsSystem fcc(int z, double a, int rx, int ry, int rz, double rattle, long seed) {
        double[][] basis = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
        int n = 4 * rx * ry * rz;
        int[] numbers = new int[n];
        double[] pos = new double[3 * n];
        SplittableRandom rng = new SplittableRandom(seed);
        int k = 0;
        for (int i = 0; i < rx; i++) {
            for (int j = 0; j < ry; j++) {
                for (int l = 0; l < rz; l++) {
                    for (double[] b : basis) {
                        numbers[k] = z;
                        pos[3 * k] = (i + b[0]) * a + rattle * (2 * rng.nextDouble() - 1);
                        pos[3 * k + 1] = (j + b[1]) * a + rattle * (2 * rng.nextDouble() - 1);
                        pos[3 * k + 2] = (l + b[2]) * a + rattle * (2 * rng.nextDouble() - 1);
                        k++;
                    }
                }
            }
        }
        double[] cell = {rx * a, 0, 0, 0, ry * a, 0, 0, 0, rz * a};
        return new AtomsSystem(numbers, pos, null, null, cell, new boolean[] {true, true, true});
    }

    /** Argon fcc at the LJ lattice constant 5.26 Å. */
    static AtomsSystem argon(int reps, double rattle, long seed) {
        return fcc(18, 5.26, reps, reps, reps, rattle, seed);
    }

    /** A non-periodic argon cluster: an fcc block without cell. */
    static AtomsSystem argonCluster(int reps, double rattle, long seed) {
        AtomsSystem s = argon(reps, rattle, seed);
        return new AtomsSystem(s.numbers(), s.positions().clone(), null, null, null, null);
    }

    /** A skewed triclinic periodic argon cell with random positions at liquid density. */
    static AtomsSystem triclinicArgon(long seed) {
        double[] cell = {11.0, 0, 0, 2.5, 10.5, 0, -1.5, 1.8, 11.5};
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 24;
        int[] numbers = new int[n];
        double[] pos = new double[3 * n];
        int placed = 0;
        while (placed < n) {
            double f0 = rng.nextDouble(), f1 = rng.nextDouble(), f2 = rng.nextDouble();
            double x = f0 * cell[0] + f1 * cell[3] + f2 * cell[6];
            double y = f0 * cell[1] + f1 * cell[4] + f2 * cell[7];
            double zz = f0 * cell[2] + f1 * cell[5] + f2 * cell[8];
            boolean ok = true;
            for (int j = 0; j < placed && ok; j++) {
                for (int a = -1; a <= 1 && ok; a++) {
                    for (int b = -1; b <= 1 && ok; b++) {
                        for (int c = -1; c <= 1 && ok; c++) {
                            double dx = x - pos[3 * j] + a * cell[0] + b * cell[3] + c * cell[6];
                            double dy = y - pos[3 * j + 1] + a * cell[1] + b * cell[4] + c * cell[7];
                            double dz = zz - pos[3 * j + 2] + a * cell[2] + b * cell[5] + c * cell[8];
                            ok = dx * dx + dy * dy + dz * dz > 3.2 * 3.2;
                        }
                    }
                }
            }
            if (ok) {
                numbers[placed] = 18;
                pos[3 * placed] = x;
                pos[3 * placed + 1] = y;
                pos[3 * placed + 2] = zz;
                placed++;
            }
        }
        return new AtomsSystem(numbers, pos, null, null, cell, new boolean[] {true, true, true});
    }

    static double maxAbs(double[] a, int len) {
        double m = 0;
        for (int i = 0; i < len; i++) {
            m = Math.max(m, Math.abs(a[i]));
        }
        return m;
    }
}
