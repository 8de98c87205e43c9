package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.model.FastForceField;
import org.e3j.md.model.ReferenceForceField;
import org.junit.jupiter.api.Test;

/**
 * The fast engine with its radial MLPs tabulated (docs/radial-table.md; the bundled copper model
 * proves its bounds) against the double-precision reference engine (itself checked against e3nn-jax's
 * fixtures to 1e-10): energy, forces and stress of rattled fcc copper and of a compressed, strongly
 * rattled cell with pairs from 1.6 Å to the cutoff, at the fast engine's float32 parity, 1 and 2
 * threads bit-identical.
 */
class TabulatedRadialParityTest {
    static final Path COPPER = Path.of(System.getProperty("e3j.models", "../models")).resolve("cu-emt.safetensors");

    static ForceResult run(org.e3j.md.ForceField ff, AtomsSystem s) {
        ForceResult r = new ForceResult();
        ff.compute(s, ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS, r);
        return r;
    }

    @Test
    void tablesMatchTheReferenceEngine() {
        ReferenceModel ref = ReferenceModel.load(COPPER);
        FastModel fm = FastModel.compile(ref);
        assertTrue(fm.radialTabulated(), "the bundled model's tables must prove their bounds");
        for (AtomsSystem s : new AtomsSystem[] {Crystals.fcc(3, 3.61, 0.05, 1), Crystals.fcc(3, 3.3, 0.6, 2)}) {
            ForceResult want = run(new ReferenceForceField(ref), s);
            double[] bits = null;
            for (int threads = 1; threads <= 2; threads++) {
                try (FastForceField ff = new FastForceField(fm, threads, FastForceField.DEFAULT_SKIN)) {
                    ff.minWorkPerThread(1);
                    ForceResult got = run(ff, s);
                    double e = Math.abs(got.energy() - want.energy()) / Math.max(1, Math.abs(want.energy()));
                    double f = 0;
                    for (int i = 0; i < want.forces().length; i++) {
                        f = Math.max(f, Math.abs(got.forces()[i] - want.forces()[i]) / Math.max(1, Math.abs(want.forces()[i])));
                    }
                    double st = 0;
                    for (int i = 0; i < 6; i++) {
                        st = Math.max(st, Math.abs(got.stress()[i] - want.stress()[i]));
                    }
                    System.out.printf("tabulated vs reference, %d atoms, %d thread(s): energy %.2e, forces %.2e, "
                            + "stress %.2e%n", s.numAtoms(), threads, e, f, st);
                    assertTrue(e < 1e-5, "energy " + e);
                    assertTrue(f < 1e-4, "forces " + f);
                    assertTrue(st < 1e-5, "stress " + st);
                    double[] now = new double[want.forces().length + 7];
                    System.arraycopy(got.forces(), 0, now, 0, want.forces().length);
                    System.arraycopy(got.stress(), 0, now, want.forces().length, 6);
                    now[now.length - 1] = got.energy();
                    if (bits == null) {
                        bits = now;
                    } else {
                        assertArrayEquals(bits, now, "1 and 2 threads differ");
                    }
                }
            }
        }
    }
}
