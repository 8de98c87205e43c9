package org.e3j.layers.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The fast engine's recurrence Bessel basis against the per-function sines of the reference. */
class RadialBasisRecurrenceTest {
    @Test
    void recurrenceMatchesDirectSines() {
        for (int numBasis : new int[] {1, 2, 8, 20}) {
            for (double rc : new double[] {3.0, 5.0, 6.5}) {
                RadialBasis rb = new RadialBasis(rc, numBasis, 6);
                double[] b = new double[numBasis];
                double[] db = new double[numBasis];
                double[] rb2 = new double[numBasis];
                double[] rdb = new double[numBasis];
                for (int i = 0; i <= 400; i++) {
                    double d = i == 0 ? 1e-9 : rc * i / 400 * 1.1;
                    rb.basis(d, b, 0);
                    rb.basisDerivative(d, db, 0);
                    rb.basisRecurrence(d, rb2, 0, rdb, 0);
                    for (int n = 0; n < numBasis; n++) {
                        double scale = Math.sqrt(2 / rc) * (n + 1) * Math.PI / rc;
                        assertEquals(b[n], rb2[n], 1e-13 * scale, "B_" + (n + 1) + " at " + d);
                        assertEquals(db[n], rdb[n], 1e-13 * scale * Math.max(1, 1 / (d * d)) * (n + 1) * 10,
                                "dB_" + (n + 1) + " at " + d);
                    }
                }
                rb.basis(0, b, 0);
                rb.basisRecurrence(0, rb2, 0, null, 0);
                for (int n = 0; n < numBasis; n++) {
                    assertEquals(b[n], rb2[n], 0.0, "the d = 0 limit");
                }
            }
        }
    }
}
