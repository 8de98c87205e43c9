package org.e3j.engine.so3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.IrrepsException;
import org.e3j.engine.so3.SphericalHarmonics.Normalization;
import org.junit.jupiter.api.Test;

class SphericalHarmonicsTest {

    private static double[] sh(int lmax, Normalization n, boolean normalize, double x, double y, double z) {
        SphericalHarmonics s = new SphericalHarmonics(lmax, n, normalize);
        double[] out = new double[s.dim()];
        s.compute(x, y, z, out, 0);
        return out;
    }

    @Test
    void anchorsNorm() {
        // conventions §3.3, float64, "norm", normalize=True, l = 0..4
        double[] a = {1, 0.26726124, 0.53452248, 0.80178373, 0.37115374, 0.24743583, -0.07142857, 0.74230749,
            0.49487166, 0.39239305, 0.44361357, 0.07014146, -0.41998195, 0.21042439, 0.59148477, 0.27165672,
            0.36220897, 0.55492757, 0.23957871, -0.11293849, -0.33928571, -0.33881546, 0.31943828, 0.38418062,
            0.10564428};
        assertArrayEquals(a, sh(4, Normalization.NORM, true, 1, 2, 3), 5e-8);
        double[] b = {1, 0.30304576, -0.50507627, 0.80812204, 0.42417571, -0.26510982, -0.11734694, -0.70695951,
            0.48603467, 0.44737657, -0.47905763, 0.05112832, 0.43549944, 0.13634219, -0.5489202, 0.2412085,
            0.40656108, -0.59783209, 0.2151319, 0.14693528, -0.29692055, 0.39182741, 0.24650531, -0.32232842,
            0.05551715};
        assertArrayEquals(b, sh(4, Normalization.NORM, true, 0.3, -0.5, 0.8), 5e-8);
        // e3nn.c README: component values for (1,2,3), l <= 2
        double[] c = {1.00, 0.46, 0.93, 1.39, 0.83, 0.55, -0.16, 1.66, 1.11};
        double[] cc = sh(2, Normalization.COMPONENT, true, 1, 2, 3);
        assertArrayEquals(c, cc, 0.006);
    }

    @Test
    void explicitPolynomials() {
        double x = 0.3;
        double y = -0.5;
        double z = 0.7;
        double[] p = sh(3, Normalization.NORM, false, x, y, z);
        double s3 = Math.sqrt(3);
        double[] l2 = {s3 * x * z, s3 * x * y, y * y - (x * x + z * z) / 2, s3 * y * z, s3 / 2 * (z * z - x * x)};
        for (int k = 0; k < 5; k++) {
            assertEquals(l2[k], p[4 + k], 1e-15);
        }
        assertEquals(Math.sqrt(10) / 4 * x * (3 * z * z - x * x), p[9], 1e-15);
        assertEquals(y / 2 * (2 * y * y - 3 * x * x - 3 * z * z), p[12], 1e-15);
    }

    @Test
    void normalisationsAndParity() {
        Random rng = new Random(3);
        for (int t = 0; t < 10; t++) {
            double x = rng.nextGaussian();
            double y = rng.nextGaussian();
            double z = rng.nextGaussian();
            double[] n = sh(11, Normalization.NORM, true, x, y, z);
            double[] c = sh(11, Normalization.COMPONENT, true, x, y, z);
            double[] i = sh(11, Normalization.INTEGRAL, true, x, y, z);
            double[] neg = sh(11, Normalization.NORM, true, -x, -y, -z);
            double r = Math.sqrt(x * x + y * y + z * z);
            double[] raw = sh(11, Normalization.NORM, false, x, y, z);
            for (int l = 0; l <= 11; l++) {
                double s = 0;
                for (int k = l * l; k < (l + 1) * (l + 1); k++) {
                    s += n[k] * n[k];
                    assertEquals(n[k] * Math.sqrt(2 * l + 1), c[k], 1e-13);
                    assertEquals(n[k] * Math.sqrt((2 * l + 1) / (4 * Math.PI)), i[k], 1e-13);
                    assertEquals((l % 2 == 0 ? 1 : -1) * n[k], neg[k], 1e-13);
                    assertEquals(n[k] * Math.pow(r, l), raw[k], 1e-12 * Math.pow(r, l));
                }
                assertEquals(1.0, s, 1e-13, "norm of Y^" + l);
            }
        }
    }

    @Test
    void recurrenceSignAnchor() {
        // test_recurrence_relation: Y^(l+1) is POSITIVELY proportional to C(1,l,l+1) . (x, Y^l)
        Random rng = new Random(4);
        double[] v = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
        double[] y = sh(9, Normalization.COMPONENT, true, v[0], v[1], v[2]);
        double[] u = new double[3];
        double r = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        for (int a = 0; a < 3; a++) {
            u[a] = v[a] / r;
        }
        for (int l = 1; l < 9; l++) {
            ClebschGordan c = ClebschGordan.of(1, l, l + 1);
            double[] z = new double[2 * l + 3];
            for (int t = 0; t < c.nnz(); t++) {
                z[c.k(t)] += c.value(t) * u[c.i(t)] * y[l * l + c.j(t)];
            }
            double dot = 0;
            double nz = 0;
            double ny = 0;
            for (int k = 0; k < 2 * l + 3; k++) {
                double yk = y[(l + 1) * (l + 1) + k];
                dot += z[k] * yk;
                nz += z[k] * z[k];
                ny += yk * yk;
            }
            assertEquals(1.0, dot / Math.sqrt(nz * ny), 1e-12, "l=" + l);
        }
    }

    @Test
    void zeroVector() {
        for (Normalization n : Normalization.values()) {
            double[] y = sh(11, n, true, 0, 0, 0);
            double y0 = n == Normalization.INTEGRAL ? 1 / Math.sqrt(4 * Math.PI) : 1.0;
            assertEquals(y0, y[0], 0);
            for (int k = 1; k < y.length; k++) {
                assertEquals(0.0, y[k], 0);
            }
        }
    }

    @Test
    void jacobianMatchesFiniteDifferences() {
        Random rng = new Random(5);
        double worst = 0;
        for (boolean normalize : new boolean[] {true, false}) {
            for (Normalization n : Normalization.values()) {
                SphericalHarmonics s = new SphericalHarmonics(11, n, normalize);
                double[] y = new double[s.dim()];
                double[] jac = new double[3 * s.dim()];
                double[] yp = new double[s.dim()];
                double[] ym = new double[s.dim()];
                for (int t = 0; t < 4; t++) {
                    double[] v = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
                    s.computeWithJacobian(v[0], v[1], v[2], y, 0, jac, 0);
                    double[] y2 = new double[s.dim()];
                    s.compute(v[0], v[1], v[2], y2, 0);
                    assertArrayEquals(y2, y, 0);
                    double scale = normalize ? 1 : Math.pow(Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]), 10);
                    for (int a = 0; a < 3; a++) {
                        double h = 1e-5;
                        double[] vp = v.clone();
                        double[] vm = v.clone();
                        vp[a] += h;
                        vm[a] -= h;
                        s.compute(vp[0], vp[1], vp[2], yp, 0);
                        s.compute(vm[0], vm[1], vm[2], ym, 0);
                        for (int c = 0; c < s.dim(); c++) {
                            double fd = (yp[c] - ym[c]) / (2 * h);
                            double err = Math.abs(fd - jac[3 * c + a]) / (1 + scale * 10);
                            worst = Math.max(worst, err);
                        }
                    }
                }
            }
        }
        System.out.println("SH jacobian vs central differences, worst scaled error: " + worst);
        assertTrue(worst < 1e-6, "jacobian error " + worst);
    }

    @Test
    void jacobianAtZero() {
        SphericalHarmonics s = new SphericalHarmonics(3, Normalization.COMPONENT, true);
        double[] y = new double[16];
        double[] j = new double[48];
        s.computeWithJacobian(0, 0, 0, y, 0, j, 0);
        for (int c = 0; c < 16; c++) {
            for (int a = 0; a < 3; a++) {
                double e = (c >= 1 && c <= 3 && c - 1 == a) ? Math.sqrt(3) : 0;
                assertEquals(e, j[3 * c + a], 1e-15);
            }
        }
    }

    @Test
    void equivariance() {
        Random rng = new Random(6);
        double worst = 0;
        for (int t = 0; t < 5; t++) {
            double[] rot = WignerD.randomRotation(rng);
            double[] v = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
            double[] rv = new double[3];
            for (int a = 0; a < 3; a++) {
                rv[a] = rot[3 * a] * v[0] + rot[3 * a + 1] * v[1] + rot[3 * a + 2] * v[2];
            }
            Irreps irreps = Irreps.s2Irreps(11);
            IrrepsArray y = SphericalHarmonics.compute(irreps, v, 1, true, Normalization.COMPONENT);
            IrrepsArray ry = SphericalHarmonics.compute(irreps, rv, 1, true, Normalization.COMPONENT);
            double[] dy = new double[irreps.dim()];
            WignerD.apply(irreps, rot, 0, y.data(), dy, 1);
            for (int k = 0; k < dy.length; k++) {
                worst = Math.max(worst, Math.abs(dy[k] - ry.data()[k]));
            }
            // inversion: Y(-v) = D(-I) Y(v) for parity (-1)^l irreps
            IrrepsArray ny = SphericalHarmonics.compute(irreps, new double[] {-rv[0], -rv[1], -rv[2]}, 1, true,
                    Normalization.COMPONENT);
            WignerD.apply(irreps, rot, 1, y.data(), dy, 1);
            for (int k = 0; k < dy.length; k++) {
                worst = Math.max(worst, Math.abs(dy[k] - ny.data()[k]));
            }
        }
        assertTrue(worst < 1e-10, "SH equivariance error " + worst);
    }

    @Test
    void wignerOfVectorIsRotation() {
        double[] rot = WignerD.randomRotation(new Random(7));
        assertArrayEquals(rot, WignerD.of(1, rot), 0);
        double[] d5 = WignerD.of(5, rot);
        // orthogonal
        for (int a = 0; a < 11; a++) {
            for (int b = 0; b < 11; b++) {
                double s = 0;
                for (int c = 0; c < 11; c++) {
                    s += d5[a * 11 + c] * d5[b * 11 + c];
                }
                assertEquals(a == b ? 1 : 0, s, 1e-12);
            }
        }
        assertThrows(IrrepsException.class, () -> WignerD.of(2, new double[] {-1, 0, 0, 0, 1, 0, 0, 0, 1}));
    }

    @Test
    void arrayApiAndParityChecks() {
        IrrepsArray a = SphericalHarmonics.compute(Irreps.parse("2x1o + 0e"), new double[] {1, 2, 3}, 1, false,
                Normalization.NORM);
        assertArrayEquals(new double[] {1, 2, 3, 1, 2, 3, 1}, a.data(), 0);
        assertThrows(IrrepsException.class, () -> SphericalHarmonics.compute(Irreps.parse("2o"), new double[3], 1,
                true, Normalization.NORM));
        assertThrows(IrrepsException.class, () -> SphericalHarmonics.compute(Irreps.parse("1o + 3e"),
                new double[3], 1, true, Normalization.NORM));
        assertThrows(IrrepsException.class, () -> Normalization.parse("unit"));
    }
}
