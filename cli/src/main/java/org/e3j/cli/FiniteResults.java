package org.e3j.cli;

import org.e3j.md.ForceResult;
import org.e3j.md.MdException;

/**
 * The last check before a result leaves a command: every energy, force, stress component and
 * per-atom energy it hands out must be finite. A NaN in an output file is a wrong number nobody
 * asked for, so a command refuses (and writes nothing) instead.
 */
final class FiniteResults {
    private FiniteResults() {}

    /**
     * Throws a one-line {@link MdException} when a requested and available part of {@code r} is NaN or
     * infinite; {@code where} names the frame or structure ("in.xyz frame 3"), {@code consequence} says
     * what the command does about it ("nothing written"), or is empty.
     */
    static void require(ForceResult r, int numAtoms, String where, String consequence) {
        String what = firstNonFinite(r, numAtoms);
        if (what != null) {
            throw new MdException(where + ": the model gives " + what
                    + (consequence.isEmpty() ? "" : "; " + consequence));
        }
    }

    /** A description of the first non-finite output ("a non-finite energy (NaN)"), or null. */
    static String firstNonFinite(ForceResult r, int numAtoms) {
        if (r.has(ForceResult.ENERGY) && !Double.isFinite(r.energy())) {
            return "a non-finite energy (" + r.energy() + ")";
        }
        if (r.has(ForceResult.FORCES)) {
            double[] f = r.forces();
            for (int k = 0; k < 3 * numAtoms; k++) {
                if (!Double.isFinite(f[k])) {
                    return "a non-finite force on atom " + k / 3 + " (" + "xyz".charAt(k % 3) + " = " + f[k] + ")";
                }
            }
        }
        if (r.has(ForceResult.STRESS)) {
            double[] s = r.stress();
            for (int k = 0; k < 6; k++) {
                if (!Double.isFinite(s[k])) {
                    return "a non-finite stress (Voigt component " + k + " = " + s[k] + ")";
                }
            }
        }
        if (r.has(ForceResult.ATOM_ENERGIES)) {
            double[] e = r.atomEnergies();
            for (int i = 0; i < numAtoms; i++) {
                if (!Double.isFinite(e[i])) {
                    return "a non-finite energy of atom " + i + " (" + e[i] + ")";
                }
            }
        }
        return null;
    }
}
