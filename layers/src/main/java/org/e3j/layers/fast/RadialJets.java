package org.e3j.layers.fast;

import static org.e3j.engine.interval.IntervalJet.add;
import static org.e3j.engine.interval.IntervalJet.addConstant;
import static org.e3j.engine.interval.IntervalJet.denseCoefficient;
import static org.e3j.engine.interval.IntervalJet.exp;
import static org.e3j.engine.interval.IntervalJet.mul;
import static org.e3j.engine.interval.IntervalJet.power;
import static org.e3j.engine.interval.IntervalJet.reciprocal;
import static org.e3j.engine.interval.IntervalJet.scale;
import static org.e3j.engine.interval.IntervalJet.sinCos;
import static org.e3j.engine.interval.IntervalJet.sincNearZero;
import static org.e3j.engine.interval.IntervalJet.square;
import static org.e3j.engine.interval.IntervalJet.sub;

import org.e3j.engine.interval.IntervalJet;
import org.e3j.layers.fast.FastModel.LayerPlan;
import org.e3j.layers.model.RadialBasis;

/**
 * One layer's radial function of the fast engine, {@code R_c(d) = MLP_c(B(d) u(d))} (Bessel basis B
 * times the polynomial envelope u, through the radial MLP: Dense + bias, LayerNorm, SiLU per hidden
 * layer, then the last Dense compacted to the live columns c), evaluated as interval Taylor jets
 * ({@link IntervalJet}) over an interval of distances d. The weights are the fast engine's float32
 * weights read as exact doubles: the function enclosed is the one the float32 MLP approximates.
 */
final class RadialJets {
    private final LayerPlan lp;
    private final RadialBasis rb;
    private static final double LN_EPS = 1e-6;
    private final double[] lastW;
    private final double[] lastB;
    private final double[][] denseW;
    private final double[][] denseB;

    RadialJets(LayerPlan lp, RadialBasis rb) {
        this.lp = lp;
        this.rb = rb;
        this.lastW = toDouble(lp.lastW);
        this.lastB = toDouble(lp.lastB);
        this.denseW = new double[lp.numHidden][];
        this.denseB = new double[lp.numHidden][];
        for (int i = 0; i < lp.numHidden; i++) {
            denseW[i] = toDouble(lp.denseW[i]);
            denseB[i] = toDouble(lp.denseB[i]);
        }
    }

    double cutoff() {
        return rb.cutoff;
    }

    int width() {
        return lp.rWidth;
    }

    /**
     * Jets of order {@code order} of every output column over [lo, hi]; only the coefficients
     * {@code kFrom..order} of the outputs are computed (the hidden layers need them all).
     */
    double[][] outputs(double lo, double hi, int order, int kFrom) {
        double[][] varAtMid = null;
        double mid = 0.5 * lo + 0.5 * hi;
        if (hi > lo) {
            // the LayerNorm variances at the midpoint, for their centred (mean value) enclosure over [lo, hi]
            varAtMid = new double[lp.numHidden][];
            double[][] x = inputs(mid, mid, 0);
            for (int i = 0; i < lp.numHidden; i++) {
                varAtMid[i] = new double[2];
                x = hidden(i, x, 0, null, 0, varAtMid[i]);
            }
        }
        double rad = Math.nextUp(Math.max(mid - lo, hi - mid));
        double[][] x = inputs(lo, hi, order);
        for (int i = 0; i < lp.numHidden; i++) {
            x = hidden(i, x, order, varAtMid == null ? null : varAtMid[i], rad, null);
        }
        double[][] out = new double[lp.rWidth][2 * (order + 1)];
        for (int k = kFrom; k <= order; k++) {
            denseCoefficient(x, k, lastW, lp.rWidth, lp.rWidth, lastB, out);
        }
        return out;
    }

    /** B_n(d) u(d), n = 1..numBasis. */
    private double[][] inputs(double lo, double hi, int order) {
        double[] d = IntervalJet.variable(order, lo, hi);
        double rc = rb.cutoff;
        // u(x) = 1 - a x^p + b x^(p+1) - c x^(p+2), x = d / rc. Near x = 1 its terms cancel to
        // (1 - x)^3 q(x), which interval arithmetic cannot see (widths ~28 x^6 r where u ~ 1e-4):
        // there u is summed in y = 1 - x, u = sum_k alpha_k y^k with exact integer alpha_k
        double[] x = IntervalJet.zero(order);
        scale(d, Math.nextDown(1.0 / rc), Math.nextUp(1.0 / rc), x);
        double a = (rb.p + 1.0) * (rb.p + 2.0) / 2.0; // exact: small integers
        double b = rb.p * (rb.p + 2.0);
        double c = rb.p * (rb.p + 1.0) / 2.0;
        double[] env = IntervalJet.zero(order);
        double[] t = IntervalJet.zero(order);
        boolean nearCutoff = x[0] >= 0.5;
        double[] base = x.clone();
        if (nearCutoff) {
            scale(x, -1, -1, base);
            addConstant(base, 1.0, base); // y = 1 - x
        }
        double[] vk = IntervalJet.zero(order); // base^k
        vk[0] = 1;
        vk[1] = 1;
        for (int k = 0; k <= rb.p + 2; k++) {
            double coef = nearCutoff ? alpha(k, rb.p, a, b, c)
                    : (k == 0 ? 1 : k == rb.p ? -a : k == rb.p + 1 ? b : k == rb.p + 2 ? -c : 0);
            if (coef != 0) {
                scale(vk, coef, coef, t);
                add(env, t, env);
            }
            mul(vk, base, t);
            System.arraycopy(t, 0, vk, 0, t.length);
        }

        double pre = Math.sqrt(2.0 / rc);
        double preLo = Math.nextDown(Math.nextDown(pre));
        double preHi = Math.nextUp(Math.nextUp(pre));
        double[][] in = new double[rb.numBasis][];
        double[] s = IntervalJet.zero(order);
        double[] co = IntervalJet.zero(order);
        double[] fd = IntervalJet.zero(order);
        double[] inv = IntervalJet.zero(order);
        for (int n = 1; n <= rb.numBasis; n++) {
            double f = n * Math.PI / rc;
            double fLo = Math.nextDown(f);
            double fHi = Math.nextUp(f);
            double[] bn = IntervalJet.zero(order);
            if (fHi * hi <= 1.99) {
                // B_n = pre f sinc(f d)
                sincNearZero(f, lo, hi, order, bn);
                scale(bn, Math.nextDown(preLo * fLo), Math.nextUp(preHi * fHi), bn);
            } else {
                // B_n = pre sin(f d) / d
                scale(d, fLo, fHi, fd);
                sinCos(fd, s, co);
                reciprocal(d, inv);
                mul(s, inv, bn);
                scale(bn, preLo, preHi, bn);
            }
            double[] v = IntervalJet.zero(order);
            mul(bn, env, v);
            in[n - 1] = v;
        }
        return in;
    }

    /**
     * The coefficient of y^k in u(1 - y) = 1 - a (1-y)^p + b (1-y)^(p+1) - c (1-y)^(p+2): an integer
     * (binomials times integers, exact in double for the envelope exponents in use).
     */
    static double alpha(int k, int p, double a, double b, double c) {
        double sign = (k & 1) == 0 ? 1 : -1;
        return (k == 0 ? 1 : 0) + sign * (-a * binomial(p, k) + b * binomial(p + 1, k) - c * binomial(p + 2, k));
    }

    private static double binomial(int n, int k) {
        if (k < 0 || k > n) {
            return 0;
        }
        double r = 1;
        for (int i = 0; i < k; i++) {
            r = r * (n - i) / (i + 1);
        }
        return r;
    }

    /**
     * Dense + bias, LayerNorm, SiLU. With {@code varMid} (the variance's enclosure at the midpoint of
     * X, radius {@code rad}), the variance's 0th coefficient is also enclosed in its centred form
     * {@code var(mid) + [-rad, rad] var'(X)} (mean value theorem) and the two intersected: the naive
     * enclosure of a mean of squared deviations reaches 0 as soon as X is wide, and the rsqrt's
     * derivatives (powers of 1/var) then explode. {@code varOut} receives the variance enclosure.
     */
    private double[][] hidden(int i, double[][] x, int order, double[] varMid, double rad, double[] varOut) {
        int n = lp.hidden;
        double[][] pre = new double[n][2 * (order + 1)];
        double[] w = denseW[i];
        double[] bias = denseB[i];
        for (int k = 0; k <= order; k++) {
            denseCoefficient(x, k, w, n, n, bias, pre);
        }
        double[] mean = IntervalJet.zero(order);
        for (double[] p : pre) {
            add(mean, p, mean);
        }
        scale(mean, Math.nextDown(1.0 / n), Math.nextUp(1.0 / n), mean);
        double[][] dev = new double[n][];
        double[] var = IntervalJet.zero(order);
        double[] sq = IntervalJet.zero(order);
        for (int j = 0; j < n; j++) {
            dev[j] = IntervalJet.zero(order);
            sub(pre[j], mean, dev[j]);
            square(dev[j], sq);
            add(var, sq, var);
        }
        scale(var, Math.nextDown(1.0 / n), Math.nextUp(1.0 / n), var);
        var[0] = Math.max(var[0], 0); // a mean of squares
        if (varMid != null && order >= 1) {
            double slope = Math.max(Math.abs(var[2]), Math.abs(var[3]));
            double spread = Math.nextUp(slope * rad);
            var[0] = Math.max(var[0], Math.nextDown(varMid[0] - spread));
            var[1] = Math.min(var[1], Math.nextUp(varMid[1] + spread));
        }
        if (varOut != null) {
            varOut[0] = var[0];
            varOut[1] = var[1];
        }
        addConstant(var, LN_EPS, var);
        double[] rs = IntervalJet.zero(order);
        power(var, -0.5, rs);
        double[][] out = new double[n][];
        double[] z = IntervalJet.zero(order);
        double[] e = IntervalJet.zero(order);
        double[] sig = IntervalJet.zero(order);
        for (int j = 0; j < n; j++) {
            mul(dev[j], rs, z);
            double sc = lp.lnScale[i][j];
            scale(z, sc, sc, z);
            addConstant(z, lp.lnBias[i][j], z);
            // silu(z) = z / (1 + exp(-z))
            scale(z, -1, -1, e);
            exp(e, sig);
            System.arraycopy(sig, 0, e, 0, e.length);
            addConstant(e, 1.0, e);
            reciprocal(e, sig);
            double[] o = IntervalJet.zero(order);
            mul(z, sig, o);
            out[j] = o;
        }
        return out;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
