package org.e3j.engine.interval;

/**
 * Rigorous Taylor arithmetic on intervals: enclosures of the Taylor coefficients
 * {@code f^(k)(xi) / k!}, k = 0..order, valid for every xi of an input interval X at once.
 *
 * <p>A jet is a {@code double[2 * (order + 1)]} laid out {@code [lo0, hi0, lo1, hi1, ...]}; the
 * independent variable over X is {@code [X.lo, X.hi], [1, 1], [0, 0], ...}. Every operation follows
 * the recurrences of automatic Taylor differentiation (Griewank and Walther, <i>Evaluating
 * Derivatives</i>, ch. 13), which are identities at every point xi; evaluating them in interval
 * arithmetic therefore encloses the true coefficients at every xi in X. Each floating-point result is
 * widened outward by one ulp ({@link Math#nextDown}/{@link Math#nextUp}: round-to-nearest is off by
 * at most half an ulp), two ulps after {@link Math#exp}, {@link Math#sin}, {@link Math#cos} (within one
 * ulp by their specification), so rounding never shrinks an enclosure. The enclosures may be loose
 * (the dependency problem: widths grow with the width of X), never wrong.
 *
 * <p>Used to prove error bounds of tabulated radial functions: the 4th coefficient bounds the 4th
 * derivative that cubic Hermite interpolation's error formula needs.
 */
public final class IntervalJet {
    private IntervalJet() {}

    /** A jet of {@code order} with all coefficients [0, 0]. */
    public static double[] zero(int order) {
        return new double[2 * (order + 1)];
    }

    /** The independent variable over [lo, hi]. */
    public static double[] variable(int order, double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("empty interval [" + lo + ", " + hi + "]");
        }
        double[] x = zero(order);
        x[0] = lo;
        x[1] = hi;
        if (order >= 1) {
            x[2] = 1;
            x[3] = 1;
        }
        return x;
    }

    public static int order(double[] a) {
        return a.length / 2 - 1;
    }

    static double down(double x) {
        return Math.nextDown(x);
    }

    static double up(double x) {
        return Math.nextUp(x);
    }

    /** The largest |value| of coefficient k's enclosure. */
    public static double magnitude(double[] a, int k) {
        return Math.max(Math.abs(a[2 * k]), Math.abs(a[2 * k + 1]));
    }

    /** out = a + b (out may alias a or b). */
    public static void add(double[] a, double[] b, double[] out) {
        for (int i = 0; i < a.length; i += 2) {
            double lo = down(a[i] + b[i]);
            double hi = up(a[i + 1] + b[i + 1]);
            out[i] = lo;
            out[i + 1] = hi;
        }
    }

    /** out = a - b (out may alias a or b). */
    public static void sub(double[] a, double[] b, double[] out) {
        for (int i = 0; i < a.length; i += 2) {
            double lo = down(a[i] - b[i + 1]);
            double hi = up(a[i + 1] - b[i]);
            out[i] = lo;
            out[i + 1] = hi;
        }
    }

    /** out_0 = a_0 + c for an exact constant c; higher coefficients copied (out may alias a). */
    public static void addConstant(double[] a, double c, double[] out) {
        System.arraycopy(a, 0, out, 0, a.length);
        out[0] = down(a[0] + c);
        out[1] = up(a[1] + c);
    }

    /** out = [cLo, cHi] * a, the constant an interval (out may alias a). */
    public static void scale(double[] a, double cLo, double cHi, double[] out) {
        for (int i = 0; i < a.length; i += 2) {
            mulInterval(cLo, cHi, a[i], a[i + 1], out, i);
        }
    }

    /** [a, b] * [c, d] into out[i], out[i + 1]. */
    static void mulInterval(double a, double b, double c, double d, double[] out, int i) {
        double p1 = a * c;
        double p2 = a * d;
        double p3 = b * c;
        double p4 = b * d;
        out[i] = down(Math.min(Math.min(p1, p2), Math.min(p3, p4)));
        out[i + 1] = up(Math.max(Math.max(p1, p2), Math.max(p3, p4)));
    }

    /** out = a * b (Cauchy product; out must not alias a or b). */
    public static void mul(double[] a, double[] b, double[] out) {
        int n = order(a);
        double[] t = new double[2];
        for (int k = 0; k <= n; k++) {
            double lo = 0;
            double hi = 0;
            for (int j = 0; j <= k; j++) {
                mulInterval(a[2 * j], a[2 * j + 1], b[2 * (k - j)], b[2 * (k - j) + 1], t, 0);
                lo = down(lo + t[0]);
                hi = up(hi + t[1]);
            }
            out[2 * k] = lo;
            out[2 * k + 1] = hi;
        }
    }

    /** out = a * a, with the 0th coefficient enclosed as a square (never below 0; out must not alias a). */
    public static void square(double[] a, double[] out) {
        mul(a, a, out);
        double lo = a[0];
        double hi = a[1];
        double m = Math.max(Math.abs(lo), Math.abs(hi));
        double mn = lo <= 0 && hi >= 0 ? 0 : Math.min(Math.abs(lo), Math.abs(hi));
        out[0] = Math.max(0, down(mn * mn));
        out[1] = up(m * m);
    }

    /** out = exp(a): e_0 = exp(a_0), e_k = (1/k) sum_{j=1..k} j a_j e_{k-j}. */
    public static void exp(double[] a, double[] out) {
        int n = order(a);
        out[0] = Math.max(0, down(down(Math.exp(a[0]))));
        out[1] = up(up(Math.exp(a[1])));
        double[] t = new double[2];
        for (int k = 1; k <= n; k++) {
            double lo = 0;
            double hi = 0;
            for (int j = 1; j <= k; j++) {
                mulInterval(j * a[2 * j], j * a[2 * j + 1], out[2 * (k - j)], out[2 * (k - j) + 1], t, 0);
                lo = down(lo + t[0]);
                hi = up(hi + t[1]);
            }
            mulInterval(lo, hi, down(1.0 / k), up(1.0 / k), out, 2 * k);
        }
    }

    /** 1 / [lo, hi] for an interval not containing 0, into out[i], out[i + 1]. */
    static void reciprocal(double lo, double hi, double[] out, int i) {
        if (!(lo > 0 || hi < 0)) {
            throw new ArithmeticException("reciprocal of an interval containing 0: [" + lo + ", " + hi + "]");
        }
        out[i] = down(1.0 / hi);
        out[i + 1] = up(1.0 / lo);
    }

    /** out = 1 / a (a_0 must not contain 0): q_k = -(1/a_0) sum_{j=1..k} a_j q_{k-j}. */
    public static void reciprocal(double[] a, double[] out) {
        int n = order(a);
        double[] inv = new double[2];
        reciprocal(a[0], a[1], inv, 0);
        out[0] = inv[0];
        out[1] = inv[1];
        double[] t = new double[2];
        for (int k = 1; k <= n; k++) {
            double lo = 0;
            double hi = 0;
            for (int j = 1; j <= k; j++) {
                mulInterval(a[2 * j], a[2 * j + 1], out[2 * (k - j)], out[2 * (k - j) + 1], t, 0);
                lo = down(lo + t[0]);
                hi = up(hi + t[1]);
            }
            mulInterval(-hi, -lo, inv[0], inv[1], out, 2 * k);
        }
    }

    /**
     * out = a^alpha for a_0 &gt; 0: w_0 = a_0^alpha, k a_0 w_k = sum_{j=1..k} (alpha j - (k - j)) a_j w_{k-j}.
     * Only alpha = -1/2 (the LayerNorm's rsqrt) and alpha = 1/2 are supported: their w_0 is enclosed
     * through {@link Math#sqrt}, which is correctly rounded.
     */
    public static void power(double[] a, double alpha, double[] out) {
        if (alpha != -0.5 && alpha != 0.5) {
            throw new IllegalArgumentException("power " + alpha + " (only -1/2 and 1/2)");
        }
        if (!(a[0] > 0)) {
            throw new ArithmeticException("power of an interval reaching 0: [" + a[0] + ", " + a[1] + "]");
        }
        int n = order(a);
        double sLo = down(Math.sqrt(a[0]));
        double sHi = up(Math.sqrt(a[1]));
        if (alpha > 0) {
            out[0] = sLo;
            out[1] = sHi;
        } else {
            reciprocal(sLo, sHi, out, 0);
        }
        double[] inv = new double[2];
        reciprocal(a[0], a[1], inv, 0);
        double[] t = new double[2];
        for (int k = 1; k <= n; k++) {
            double lo = 0;
            double hi = 0;
            for (int j = 1; j <= k; j++) {
                double c = alpha * j - (k - j); // exact: a small multiple of 1/2
                mulInterval(c * a[2 * j], c * a[2 * j + 1], out[2 * (k - j)], out[2 * (k - j) + 1], t, 0);
                lo = down(lo + t[0]);
                hi = up(hi + t[1]);
            }
            mulInterval(lo, hi, inv[0], inv[1], t, 0);
            mulInterval(t[0], t[1], down(1.0 / k), up(1.0 / k), out, 2 * k);
        }
    }

    /**
     * sin and cos of a together: s_k = (1/k) sum j a_j c_{k-j}, c_k = -(1/k) sum j a_j s_{k-j}; the
     * 0th coefficients are enclosed as sin(mid) +- radius (|sin'| &lt;= 1), cut to [-1, 1].
     */
    public static void sinCos(double[] a, double[] sin, double[] cos) {
        int n = order(a);
        double mid = 0.5 * a[0] + 0.5 * a[1];
        double rad = up(up(Math.max(mid - a[0], a[1] - mid)));
        double sm = Math.sin(mid);
        double cm = Math.cos(mid);
        sin[0] = Math.max(-1, down(down(down(sm) - rad)));
        sin[1] = Math.min(1, up(up(up(sm) + rad)));
        cos[0] = Math.max(-1, down(down(down(cm) - rad)));
        cos[1] = Math.min(1, up(up(up(cm) + rad)));
        double[] t = new double[2];
        for (int k = 1; k <= n; k++) {
            double sLo = 0;
            double sHi = 0;
            double cLo = 0;
            double cHi = 0;
            for (int j = 1; j <= k; j++) {
                double ajLo = j * a[2 * j];
                double ajHi = j * a[2 * j + 1];
                mulInterval(ajLo, ajHi, cos[2 * (k - j)], cos[2 * (k - j) + 1], t, 0);
                sLo = down(sLo + t[0]);
                sHi = up(sHi + t[1]);
                mulInterval(ajLo, ajHi, sin[2 * (k - j)], sin[2 * (k - j) + 1], t, 0);
                cLo = down(cLo + t[0]);
                cHi = up(cHi + t[1]);
            }
            mulInterval(sLo, sHi, down(1.0 / k), up(1.0 / k), sin, 2 * k);
            mulInterval(-cHi, -cLo, down(1.0 / k), up(1.0 / k), cos, 2 * k);
        }
    }

    /**
     * The jet of sinc(f x) = sin(f x) / (f x) in the independent variable x over [lo, hi], 0 &lt;= lo,
     * f &gt; 0, f hi &lt;= 2, without dividing by an interval near 0. With y = f x:
     * {@code sinc^(k)(y) = int_0^1 t^k cos^(k)(t y) dt}, so |sinc^(k+1)| &lt;= 1/(k+2) everywhere and
     * (mean value theorem) {@code sinc^(k)(y) in sinc^(k)(y_m) + [-r, r] / (k + 2)} for y within r of
     * y_m. sinc^(k)(y_m) is summed from the alternating Taylor series of sinc, whose terms decrease
     * in magnitude for y &lt;= 2 (so the first omitted term bounds the tail), with a rounding
     * allowance. Coefficient k of the jet in x is {@code f^k sinc^(k)(f x) / k!}.
     */
    public static void sincNearZero(double f, double lo, double hi, int order, double[] out) {
        if (!(lo >= 0 && hi >= lo && f > 0 && f * hi <= 2)) {
            throw new ArithmeticException("sinc jet needs 0 <= lo <= hi, f > 0, f hi <= 2");
        }
        double yLo = down(f * lo);
        double yHi = up(f * hi);
        double ym = 0.5 * yLo + 0.5 * yHi;
        double r = up(Math.max(ym - Math.max(0, yLo), yHi - ym));
        double fk = 1; // f^k / k!, enclosed by [fkLo, fk]
        double fkLo = 1;
        double[] t = new double[2];
        for (int k = 0; k <= order; k++) {
            // sum_j (-1)^j (2j)! / ((2j - k)! (2j + 1)!) y^(2j - k) over 2j >= k
            double sum = 0;
            double absSum = 0;
            double tail = 0;
            int j0 = (k + 1) / 2;
            for (int j = j0; j < j0 + SINC_TERMS; j++) {
                double term = (k < SINC_ORDERS ? SINC_COEF[k][j] : coefficient(j, k)) * Math.pow(ym, 2 * j - k);
                if (j == j0 + SINC_TERMS - 1) {
                    tail = Math.abs(term);
                    break;
                }
                sum += (j % 2 == 0 ? 1 : -1) * term;
                absSum += Math.abs(term);
            }
            double err = up(up(tail) + up(1e-14 * absSum) + up(r / (k + 2)));
            double cLo = down(sum - err);
            double cHi = up(sum + err);
            double bound = up(1.0 / (k + 1));
            cLo = Math.max(cLo, -bound);
            cHi = Math.min(cHi, bound);
            mulInterval(cLo, cHi, fkLo, fk, t, 0);
            out[2 * k] = t[0];
            out[2 * k + 1] = t[1];
            fk = up(up(fk * f) / (k + 1));
            fkLo = down(down(fkLo * f) / (k + 1));
        }
    }

    private static final int SINC_TERMS = 30;
    private static final int SINC_ORDERS = 16;
    /** SINC_COEF[k][j] = coefficient(j, k), for the orders in use (computed once). */
    private static final double[][] SINC_COEF = new double[SINC_ORDERS][SINC_TERMS + SINC_ORDERS];

    static {
        for (int k = 0; k < SINC_ORDERS; k++) {
            for (int j = (k + 1) / 2; j < SINC_TERMS + SINC_ORDERS; j++) {
                SINC_COEF[k][j] = coefficient(j, k);
            }
        }
    }

    /** (2j)! / ((2j - k)! (2j + 1)!), the magnitude of y^(2j-k) in the k-th derivative of sinc's series. */
    private static double coefficient(int j, int k) {
        double c = 1.0 / (2 * j + 1);
        for (int i = 2 * j - k + 1; i <= 2 * j; i++) {
            c *= i;
        }
        for (int i = 2; i <= 2 * j; i++) {
            c /= i;
        }
        return c;
    }

    /**
     * Coefficient k of out_c = sum_i w[i][c] in_i (+ bias_c for k = 0), for one k: a dot product in
     * midpoint-radius form, {@code sum w mid +- (sum |w| rad + gamma_n sum |w mid|)}, with
     * gamma_n = n u / (1 - n u), u = 2^-53, which bounds the rounding of an n-term dot product (Higham,
     * <i>Accuracy and Stability of Numerical Algorithms</i>, 3.1), doubled for the sums of the radius
     * terms. {@code w} row-major [n][ld]; the bias (exact doubles) may be null.
     */
    public static void denseCoefficient(double[][] in, int k, double[] w, int ld, int cols, double[] bias,
                                        double[][] out) {
        int n = in.length;
        double[] mid = new double[n];
        double[] rad = new double[n];
        for (int i = 0; i < n; i++) {
            double lo = in[i][2 * k];
            double hi = in[i][2 * k + 1];
            double m = 0.5 * lo + 0.5 * hi;
            mid[i] = m;
            rad[i] = up(Math.max(m - lo, hi - m));
        }
        double u = 0x1p-53;
        double gamma = up((n + 2) * u / (1 - (n + 2) * u));
        for (int c = 0; c < cols; c++) {
            double s = k == 0 && bias != null ? bias[c] : 0;
            double sAbs = Math.abs(s);
            double r = 0;
            for (int i = 0; i < n; i++) {
                double wi = w[i * ld + c];
                double p = wi * mid[i];
                s += p;
                sAbs += Math.abs(p);
                r += Math.abs(wi) * rad[i];
            }
            double err = up(up(up(gamma * sAbs) * (1 + 2 * gamma)) + up(r * (1 + 2 * gamma)));
            out[c][2 * k] = down(s - err);
            out[c][2 * k + 1] = up(s + err);
        }
    }
}
