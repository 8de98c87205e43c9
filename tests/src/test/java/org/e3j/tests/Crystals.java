package org.e3j.tests;

import java.util.SplittableRandom;
import org.e3j.graph.NeighborList;
import org.e3j.md.AtomsSystem;

/** The fcc crystals the tests build (one builder, so that every test means the same structure). */
public final class Crystals {
    private Crystals() {}

    /** The four atoms of the conventional fcc cell, in units of the cell edge. */
    private static final double[][] BASIS = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};

    /** fcc copper, k^3 conventional cells of edge a, periodic, unrattled. */
    public static AtomsSystem fcc(int k, double a) {
        return fcc(k, a, new int[] {29}, 0, false, 0, true);
    }

    /**
     * fcc copper, k^3 conventional cells of edge a, periodic, each coordinate displaced by
     * {@code rattle * (u - 1/2)}, u uniform from a {@code SplittableRandom(seed)}.
     */
    public static AtomsSystem fcc(int k, double a, double rattle, long seed) {
        return fcc(k, a, new int[] {29}, rattle, false, seed, true);
    }

    /**
     * The general builder: atom t (cells in x, y, z order, then the basis) has species
     * {@code species[t % species.length]}; each coordinate is displaced by {@code rattle * g}, g a
     * standard normal ({@code gaussian}) or {@code u - 1/2}, u uniform, drawn in atom then x, y, z
     * order from a {@code SplittableRandom(seed)} (no draws for rattle 0); an open cluster when not
     * periodic.
     */
    public static AtomsSystem fcc(int k, double a, int[] species, double rattle, boolean gaussian, long seed,
            boolean periodic) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 4 * k * k * k;
        int[] z = new int[n];
        double[] p = new double[3 * n];
        int t = 0;
        for (int x = 0; x < k; x++) {
            for (int y = 0; y < k; y++) {
                for (int w = 0; w < k; w++) {
                    int[] cell = {x, y, w};
                    for (double[] b : BASIS) {
                        z[t] = species[t % species.length];
                        for (int c = 0; c < 3; c++) {
                            p[3 * t + c] = (cell[c] + b[c]) * a;
                            if (rattle != 0) {
                                p[3 * t + c] += rattle * (gaussian ? rng.nextGaussian() : rng.nextDouble() - 0.5);
                            }
                        }
                        t++;
                    }
                }
            }
        }
        double l = k * a;
        return periodic
                ? new AtomsSystem(z, p, null, null, new double[] {l, 0, 0, 0, l, 0, 0, 0, l}, new boolean[] {true, true, true})
                : new AtomsSystem(z, p, null, null, null, new boolean[] {false, false, false});
    }

    /** Cartesian shifts S @ cell of a neighbour list's candidates ([e][3], the list's edge order). */
    public static double[] cartesianShifts(NeighborList nl, double[] cell) {
        int[] sh = nl.candidateShiftsView();
        double[] out = new double[3 * nl.numCandidates()];
        for (int k = 0; k < nl.numCandidates(); k++) {
            for (int c = 0; c < 3; c++) {
                out[3 * k + c] = sh[3 * k] * cell[c] + sh[3 * k + 1] * cell[3 + c] + sh[3 * k + 2] * cell[6 + c];
            }
        }
        return out;
    }
}
