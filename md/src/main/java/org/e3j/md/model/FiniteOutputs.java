package org.e3j.md.model;

import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;

/**
 * The last check before a network force field's numbers leave it: every available energy, force,
 * stress and per-atom energy must be finite. A model evaluated far outside what it was trained on
 * (or with weights that overflow float32) can return NaN or infinity from finite input; a caller
 * that writes it (a trajectory, an eval output, an i-PI reply) would pass it on silently. Allocates
 * only when it throws.
 */
final class FiniteOutputs {
    private static final String[] VOIGT = {"xx", "yy", "zz", "yz", "xz", "xy"};

    private FiniteOutputs() {}

    /** Throws an {@link MdException} naming the first non-finite output (and the atom); invalidates {@code out}. */
    static void require(String engine, AtomsSystem system, ForceResult out) {
        int n = system.numAtoms();
        if (out.has(ForceResult.ENERGY) && !Double.isFinite(out.energy())) {
            throw refuse(out, engine + " produced a non-finite energy (" + out.energy() + " eV)", -1);
        }
        if (out.has(ForceResult.FORCES)) {
            double[] f = out.forces();
            for (int k = 0; k < 3 * n; k++) {
                if (!Double.isFinite(f[k])) {
                    int i = k / 3;
                    throw refuse(out, engine + " produced a non-finite force on atom " + i + " (" + system.symbol(i)
                            + "): " + "xyz".charAt(k % 3) + " = " + f[k] + " eV/Å", i);
                }
            }
        }
        if (out.has(ForceResult.STRESS)) {
            double[] s = out.stress();
            for (int c = 0; c < 6; c++) {
                if (!Double.isFinite(s[c])) {
                    throw refuse(out, engine + " produced a non-finite stress: " + VOIGT[c] + " = " + s[c] + " eV/Å^3", -1);
                }
            }
        }
        if (out.has(ForceResult.ATOM_ENERGIES)) {
            double[] a = out.atomEnergies();
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(a[i])) {
                    throw refuse(out, engine + " produced a non-finite energy for atom " + i + " (" + system.symbol(i)
                            + "): " + a[i] + " eV", i);
                }
            }
        }
    }

    private static MdException refuse(ForceResult out, String message, int atom) {
        out.invalidate();
        return new MdException(message, -1, atom);
    }
}
