package org.e3j.engine.so3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClebschGordanTest {

    @Test
    void table112() {
        // conventions §4.2: the nonzeros of C(1,1,2) (sign anchor)
        ClebschGordan c = ClebschGordan.of(1, 1, 2);
        double a = Math.sqrt(1.0 / 30);
        double b = Math.sqrt(1.0 / 10);
        double[][] expected = {
            {0, 0, 2, -a}, {0, 0, 4, -b}, {0, 1, 1, b}, {0, 2, 0, b}, {1, 0, 1, b}, {1, 1, 2, Math.sqrt(2.0 / 15)},
            {1, 2, 3, b}, {2, 0, 0, b}, {2, 1, 3, b}, {2, 2, 2, -a}, {2, 2, 4, b}
        };
        assertEquals(expected.length, c.nnz());
        for (double[] e : expected) {
            assertEquals(e[3], c.get((int) e[0], (int) e[1], (int) e[2]), 1e-15);
        }
    }

    @Test
    void smallCases() {
        for (int l = 0; l <= 5; l++) {
            ClebschGordan c = ClebschGordan.of(0, l, l);
            for (int i = 0; i < 2 * l + 1; i++) {
                for (int k = 0; k < 2 * l + 1; k++) {
                    assertEquals(i == k ? 1 / Math.sqrt(2 * l + 1) : 0, c.get(0, i, k), 1e-15);
                }
            }
        }
        ClebschGordan c = ClebschGordan.of(1, 1, 1);
        double e = 1 / Math.sqrt(6);
        assertEquals(e, c.get(0, 1, 2), 1e-15);
        assertEquals(-e, c.get(1, 0, 2), 1e-15);
        assertEquals(e, c.get(1, 2, 0), 1e-15);
        assertEquals(e, c.get(2, 0, 1), 1e-15);
        assertEquals(6, c.nnz());
        assertEquals(1 / Math.sqrt(3), ClebschGordan.of(1, 1, 0).get(1, 1, 0), 1e-15);
        assertEquals(0, ClebschGordan.of(1, 1, 3).nnz());
        assertSame(ClebschGordan.of(2, 3, 4), ClebschGordan.of(2, 3, 4));
    }

    @Test
    void normAndPermutationSymmetry() {
        for (int l1 = 0; l1 <= 6; l1++) {
            for (int l2 = 0; l2 <= 6; l2++) {
                for (int l3 = Math.abs(l1 - l2); l3 <= l1 + l2; l3++) {
                    ClebschGordan c = ClebschGordan.of(l1, l2, l3);
                    double n2 = 0;
                    for (int t = 0; t < c.nnz(); t++) {
                        n2 += c.value(t) * c.value(t);
                    }
                    assertEquals(1.0, n2, 1e-13, "norm of C(" + l1 + "," + l2 + "," + l3 + ")");
                    ClebschGordan s = ClebschGordan.of(l2, l1, l3);
                    double sign = ((l1 + l2 + l3) % 2 == 0) ? 1 : -1;
                    for (int t = 0; t < c.nnz(); t++) {
                        assertEquals(sign * c.value(t), s.get(c.j(t), c.i(t), c.k(t)), 1e-14);
                    }
                }
            }
        }
    }

    @Test
    void equivariance() {
        Random rng = new Random(1);
        double worst = 0;
        for (int trial = 0; trial < 3; trial++) {
            double[] rot = WignerD.randomRotation(rng);
            double[][] ds = WignerD.upTo(8, rot);
            int[][] triples = {{1, 1, 2}, {2, 3, 4}, {3, 3, 6}, {4, 4, 3}, {2, 2, 2}, {1, 4, 4}, {5, 3, 8}};
            for (int[] t : triples) {
                double[] c = ClebschGordan.of(t[0], t[1], t[2]).dense();
                double[] rc = rotate(c, ds[t[0]], ds[t[1]], ds[t[2]], 2 * t[0] + 1, 2 * t[1] + 1, 2 * t[2] + 1);
                for (int i = 0; i < c.length; i++) {
                    worst = Math.max(worst, Math.abs(c[i] - rc[i]));
                }
            }
        }
        assertTrue(worst < 1e-12, "CG equivariance error " + worst);
    }

    /** einsum("ijk,il,jm,kn->lmn", C, D1, D2, D3). */
    static double[] rotate(double[] c, double[] d1, double[] d2, double[] d3, int n1, int n2, int n3) {
        double[] a = new double[c.length];
        for (int l = 0; l < n1; l++) {
            for (int j = 0; j < n2; j++) {
                for (int k = 0; k < n3; k++) {
                    double s = 0;
                    for (int i = 0; i < n1; i++) {
                        s += c[(i * n2 + j) * n3 + k] * d1[i * n1 + l];
                    }
                    a[(l * n2 + j) * n3 + k] = s;
                }
            }
        }
        double[] b = new double[c.length];
        for (int l = 0; l < n1; l++) {
            for (int m = 0; m < n2; m++) {
                for (int k = 0; k < n3; k++) {
                    double s = 0;
                    for (int j = 0; j < n2; j++) {
                        s += a[(l * n2 + j) * n3 + k] * d2[j * n2 + m];
                    }
                    b[(l * n2 + m) * n3 + k] = s;
                }
            }
        }
        double[] out = new double[c.length];
        for (int l = 0; l < n1; l++) {
            for (int m = 0; m < n2; m++) {
                for (int n = 0; n < n3; n++) {
                    double s = 0;
                    for (int k = 0; k < n3; k++) {
                        s += b[(l * n2 + m) * n3 + k] * d3[k * n3 + n];
                    }
                    out[(l * n2 + m) * n3 + n] = s;
                }
            }
        }
        return out;
    }
}
