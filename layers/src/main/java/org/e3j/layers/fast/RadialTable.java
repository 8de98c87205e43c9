package org.e3j.layers.fast;

import org.e3j.engine.interval.IntervalJet;
import org.e3j.engine.kernels.RadialTableKernel;
import org.e3j.layers.fast.FastModel.LayerPlan;
import org.e3j.layers.model.RadialBasis;

/**
 * One layer's radial MLP of a Potential, tabulated: piecewise cubic Hermite interpolation of
 * {@code R_c(d)} on a grid of [0, cutoff] (64 equal segments, each uniform with its own spacing)
 * with a <em>proven</em> error bound (docs/radial-table.md).
 *
 * <p>The radial network is a function of one variable, the distance d, and is most of the per-edge
 * flops (64 x 416 multiply-adds per edge on layer 2 of the bench model); a lookup costs 3 FMAs per
 * column for R and 2 more for dR/dd. The interpolant matches R and dR/dd at every knot, so forces
 * are the exact gradient of the tabulated energy (MD conserves it).
 *
 * <p>The bound: on an interval of width h, cubic Hermite interpolation p of f satisfies
 * {@code |f - p| <= h^4 / 384 max|f''''|} and {@code |f' - p'| <= sqrt(3) h^3 / 216 max|f''''|}
 * (Birkhoff and Priver, J. Math. Phys. 46, 1967). max|f''''| over each piece of [0, cutoff] is
 * enclosed rigorously by interval Taylor arithmetic ({@link RadialJets}, {@link IntervalJet});
 * pieces whose enclosure is too loose are bisected. Each segment's spacing is then the largest that
 * keeps both errors below {@link #REL_TOL} and {@link #SLOPE_REL_TOL} times the function's scale (the
 * largest |R_c| and |dR_c/dd| at sample points) for every column there: fine where the network is
 * sharp, coarse where it is smooth. A table that would need more than {@link #MAX_INTERVALS} pieces is
 * not built (the MLP is evaluated instead). The bound covers the interpolation in exact arithmetic;
 * the table's float32 coefficients and the float32 evaluation add rounding of the same kind and size
 * as the float32 MLP they replace.
 */
final class RadialTable {
    /** Interpolation error target, relative to the function's scale: far below float32 parity (1e-5). */
    static final double REL_TOL = Double.parseDouble(System.getProperty("e3j.fast.radialTableTol", "1e-7"));
    /** The same for dR/dd (forces): its error enters the forces once, against parity's 1e-5. */
    static final double SLOPE_REL_TOL = Double.parseDouble(System.getProperty("e3j.fast.radialTableSlopeTol", "1e-7"));
    /** Equal segments of [0, cutoff], each with its own uniform spacing. */
    static final int SEGMENTS = 64;
    static final int MAX_INTERVALS = 1 << 14;
    private static final int ORDER = 4;
    private static final int MAX_DEPTH = 24;
    private static final double VALUE_CONST = 1.0 / 384.0;
    private static final double SLOPE_CONST = Math.sqrt(3.0) / 216.0;

    /** Pieces in all (the sum over segments). */
    final int intervals;
    final double cutoff;
    /** SEGMENTS / cutoff. */
    final double segScale;
    /** Segment s holds pieces segBase[s] .. segBase[s + 1] - 1 (SEGMENTS + 1 entries). */
    final int[] segBase;
    final int width;
    /** [intervals][4][width]: R = c0 + t (c1 + t (c2 + t c3)), t the coordinate within the piece, in [0, 1]. */
    final float[] coef;
    /** Proven bounds of |R - p| and |dR/dd - p'| over [0, cutoff], all columns (absolute). */
    final double valueBound;
    final double slopeBound;
    /** The largest |R_c| and |dR_c/dd| at the knots. */
    final double valueScale;
    final double slopeScale;
    /** Pieces on which max|R''''| was enclosed, after bisection. */
    final int boundPieces;

    private RadialTable(int[] segBase, double cutoff, int width, float[] coef, double valueBound,
                        double slopeBound, double valueScale, double slopeScale, int boundPieces) {
        this.intervals = segBase[segBase.length - 1];
        this.segBase = segBase;
        this.cutoff = cutoff;
        this.segScale = SEGMENTS / cutoff;
        this.width = width;
        this.coef = coef;
        this.valueBound = valueBound;
        this.slopeBound = slopeBound;
        this.valueScale = valueScale;
        this.slopeScale = slopeScale;
        this.boundPieces = boundPieces;
    }

    /** The outcome of {@link #build}: a table, or why there is none. */
    record Built(RadialTable table, String refusal) {}

    static Built build(LayerPlan lp, RadialBasis rb) {
        return build(lp, rb, REL_TOL, SLOPE_REL_TOL);
    }

    /** With explicit relative tolerances for values and slopes. */
    static Built build(LayerPlan lp, RadialBasis rb, double valueRelTol, double slopeRelTol) {
        RadialJets jets = new RadialJets(lp, rb);
        double rc = rb.cutoff;
        int width = lp.rWidth;
        if (width == 0) {
            return new Built(null, "no live radial columns");
        }
        // the function's scale, from a coarse sampling (it only sets the target, not the proof)
        double vScale = 0;
        double sScale = 0;
        int probe = 256;
        for (int i = 0; i <= probe; i++) {
            double[][] o = jets.outputs(rc * i / probe, rc * i / probe, 1, 0);
            for (double[] c : o) {
                vScale = Math.max(vScale, mid(c, 0));
                sScale = Math.max(sScale, mid(c, 1));
            }
        }
        if (!(vScale > 0) || !Double.isFinite(vScale) || !Double.isFinite(sScale)) {
            return new Built(null, "the radial function is zero or not finite");
        }
        double vTol = valueRelTol * vScale;
        double sTol = slopeRelTol * Math.max(sScale, vScale / rc);
        // largest admissible h per segment: bisect pieces while their enclosure is too loose; the
        // segments are independent (pure functions), so they are proven in parallel
        int start = SEGMENTS;
        double[] hOf = new double[start];
        int[] leavesOf = new int[start];
        double[] m4Of = new double[start];
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<String> reason = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            // from the cutoff down: where a proof fails it is usually near the cutoff; the first
            // failure stops the other segments
            java.util.stream.IntStream.range(0, start).parallel().map(i -> start - 1 - i).forEach(i -> {
                int[] leaves = {0};
                double[] m4 = {0};
                try {
                    hOf[i] = admissibleH(jets, rc * i / start, rc * (i + 1) / start, vTol, sTol, 0, leaves, m4, failed);
                } catch (ArithmeticException e) {
                    if (!String.valueOf(e.getMessage()).startsWith("stopped")) {
                        reason.compareAndSet(null, e.getMessage()); // before the flag: "stopped" implies a reason
                    }
                    failed.set(true);
                    throw e;
                }
                leavesOf[i] = leaves[0];
                m4Of[i] = m4[0];
            });
        } catch (ArithmeticException ex) {
            return new Built(null, reason.get() != null ? reason.get() : "the proven bound could not be completed");
        }
        int[] segBase = new int[start + 1];
        int leaves = 0;
        double w = rc / start;
        for (int i = 0; i < start; i++) {
            double n = Math.ceil(w / hOf[i]);
            if (!(n <= MAX_INTERVALS) || segBase[i] + Math.max(1, (int) n) > MAX_INTERVALS) {
                return new Built(null, String.format("the proven bound needs more than %d pieces", MAX_INTERVALS));
            }
            segBase[i + 1] = segBase[i] + Math.max(1, (int) n);
            leaves += leavesOf[i];
        }
        int total = segBase[start];
        // knots of each segment (its ends included): value and slope, in double, from the jets at points
        float[] coef = new float[total * 4 * width];
        double[] boundV = new double[start];
        double[] boundS = new double[start];
        java.util.stream.IntStream.range(0, start).parallel().forEach(sg -> {
            int n = segBase[sg + 1] - segBase[sg];
            double lo = rc * sg / start;
            double hi = rc * (sg + 1) / start;
            double hn = (hi - lo) / n;
            double[][] f = new double[n + 1][width];
            double[][] df = new double[n + 1][width];
            for (int i = 0; i <= n; i++) {
                double d = i == n ? hi : lo + (hi - lo) * i / n;
                double[][] o = jets.outputs(d, d, 1, 0);
                for (int c = 0; c < width; c++) {
                    f[i][c] = 0.5 * o[c][0] + 0.5 * o[c][1];
                    df[i][c] = 0.5 * o[c][2] + 0.5 * o[c][3];
                }
            }
            for (int i = 0; i < n; i++) {
                int b = (segBase[sg] + i) * 4 * width;
                for (int c = 0; c < width; c++) {
                    double f0 = f[i][c];
                    double f1 = f[i + 1][c];
                    double s0 = hn * df[i][c];
                    double s1 = hn * df[i + 1][c];
                    coef[b + c] = (float) f0;
                    coef[b + width + c] = (float) s0;
                    coef[b + 2 * width + c] = (float) (3 * (f1 - f0) - 2 * s0 - s1);
                    coef[b + 3 * width + c] = (float) (2 * (f0 - f1) + s0 + s1);
                }
            }
            // the leaves of this segment partition it: their largest enclosure bounds the 4th derivative there
            boundV[sg] = VALUE_CONST * Math.pow(hn, 4) * m4Of[sg];
            boundS[sg] = SLOPE_CONST * Math.pow(hn, 3) * m4Of[sg];
        });
        double vb = 0;
        double sb = 0;
        for (int i = 0; i < start; i++) {
            vb = Math.max(vb, boundV[i]);
            sb = Math.max(sb, boundS[i]);
        }
        return new Built(new RadialTable(segBase, rc, width, coef, vb, sb, vScale, sScale, leaves), null);
    }

    private static double mid(double[] jet, int k) {
        return Math.abs(0.5 * jet[2 * k] + 0.5 * jet[2 * k + 1]);
    }

    /** The largest h allowed on [lo, hi] by the enclosure of max|R''''| there, bisecting loose pieces. */
    private static double admissibleH(RadialJets jets, double lo, double hi, double vTol, double sTol, int depth,
                                      int[] pieces, double[] maxM4, java.util.concurrent.atomic.AtomicBoolean failed) {
        if (failed.get()) {
            throw new ArithmeticException("stopped: another piece failed");
        }
        double m4 = fourth(jets, lo, hi);
        double h = m4 == 0 ? Double.POSITIVE_INFINITY
                : Math.min(Math.pow(vTol / (VALUE_CONST * m4), 0.25), Math.cbrt(sTol / (SLOPE_CONST * m4)));
        double minH = jets.cutoff() / MAX_INTERVALS;
        if (h < minH && hi - lo <= 4 * minH) { // bisection cannot rescue this piece: give up early
            throw new ArithmeticException(String.format("the proven bound needs more than %d pieces",
                    MAX_INTERVALS));
        }
        if (h < LEAF_FRACTION * (hi - lo) && depth < MAX_DEPTH) {
            double m = 0.5 * (lo + hi);
            return Math.min(admissibleH(jets, lo, m, vTol, sTol, depth + 1, pieces, maxM4, failed),
                    admissibleH(jets, m, hi, vTol, sTol, depth + 1, pieces, maxM4, failed));
        }
        if (!Double.isFinite(m4)) {
            throw new ArithmeticException("the enclosure of the 4th derivative is not finite");
        }
        pieces[0]++;
        maxM4[0] = Math.max(maxM4[0], m4); // the leaves partition [0, rc]: their max bounds |R| everywhere
        return h;
    }

    /** Terms of the expansion of the 4th derivative about the midpoint (see {@link #fourth}). */
    static final int EXPANSION = 4;
    /**
     * A piece is bisected while the spacing its bound allows is below this fraction of its width
     * (smaller: fewer, wider leaves, looser bounds, larger tables; 0.125 made them 4x larger).
     */
    static final double LEAF_FRACTION = 0.5;

    /**
     * An upper bound of max over [lo, hi] and all columns of the 4th derivative, 24 |c4|, c_k the
     * Taylor coefficients: (2) below, or (1) when (2) cannot be formed (an enclosure reaching a pole or
     * not finite). (1) c4's interval over [lo, hi] directly; (2) the expansion of c4 about the midpoint
     * m, radius r:
     * {@code c4(x) = sum_{j<J} C(4+j, 4) c_{4+j}(m) (x-m)^j + C(4+J, 4) c_{4+J}(xi) (x-m)^J} (Taylor with
     * Lagrange remainder applied to the 4th derivative), the c_{4+j}(m) from jets at the point m
     * (narrow intervals) and only c_{4+J} enclosed over the interval. (2) survives the dependency
     * problem of (1): where a LayerNorm's variance is small its factors have huge, mutually cancelling
     * Taylor coefficients whose interval products lose the cancellation; in (2) that loss is
     * multiplied by r^J.
     */
    private static double fourth(RadialJets jets, double lo, double hi) {
        int top = ORDER + EXPANSION;
        double m = 0.5 * lo + 0.5 * hi;
        double r = Math.nextUp(Math.max(m - lo, hi - m));
        double[][] at;
        double[][] over;
        try {
            at = jets.outputs(m, m, top - 1, ORDER);
            over = jets.outputs(lo, hi, top, top);
        } catch (ArithmeticException e) {
            return enclosureOfCoefficient(jets, lo, hi, ORDER, ORDER);
        }
        double worst = 0;
        for (int c = 0; c < at.length; c++) {
            double s = 0;
            double rj = 1;
            for (int j = 0; j < EXPANSION; j++) {
                s += binomial(ORDER + j, ORDER) * IntervalJet.magnitude(at[c], ORDER + j) * rj;
                rj *= r;
            }
            s += binomial(top, ORDER) * IntervalJet.magnitude(over[c], top) * rj;
            worst = Math.max(worst, s);
        }
        // the sums above are in round-to-nearest: widen by a relative 1e-12 (far above their rounding)
        double expanded = Double.isFinite(worst) ? 24 * worst * (1 + 1e-12) : Double.POSITIVE_INFINITY;
        return Double.isFinite(expanded) ? Math.nextUp(expanded) : enclosureOfCoefficient(jets, lo, hi, ORDER, ORDER);
    }

    private static double binomial(int n, int k) {
        double b = 1;
        for (int i = 0; i < k; i++) {
            b = b * (n - i) / (i + 1);
        }
        return b;
    }

    /** 24 max_c |c_k| enclosed over [lo, hi], or infinity when the enclosure fails. */
    private static double enclosureOfCoefficient(RadialJets jets, double lo, double hi, int order, int k) {
        double[][] o;
        try {
            o = jets.outputs(lo, hi, order, k);
        } catch (ArithmeticException e) { // e.g. an enclosure reaching a pole: too wide, bisect
            return Double.POSITIVE_INFINITY;
        }
        double m = 0;
        for (double[] c : o) {
            m = Math.max(m, IntervalJet.magnitude(c, k));
        }
        return Double.isFinite(m) ? Math.nextUp(24 * m) : Double.POSITIVE_INFINITY;
    }

    /** Bytes of the coefficient table. */
    long bytes() {
        return 4L * coef.length;
    }

    /** The width of the piece holding distance d (clamped to [0, cutoff]). */
    double spacingAt(double d) {
        double x = Math.min(Math.max(d, 0.0), cutoff) * segScale;
        int sg = Math.min((int) x, SEGMENTS - 1);
        return 1.0 / (segScale * (segBase[sg + 1] - segBase[sg]));
    }

    String describe() {
        return String.format("%d pieces x %d columns (%.1f MB), proven |R - table| <= %.2e (scale %.2e), "
                        + "|R' - table'| <= %.2e (scale %.2e)", intervals, width, bytes() / 1e6, valueBound,
                valueScale, slopeBound, slopeScale);
    }

    /** The kernels' view: see {@link RadialTableKernel}. */
    void eval(org.e3j.engine.kernels.Kernels k, int m, double[] dist, int[] edges, int e0, float[] out, int outOff,
              int ldo) {
        RadialTableKernel.eval(k, m, dist, edges, e0, coef, segBase, segScale, cutoff, width, out, outOff, ldo);
    }

    void backward(org.e3j.engine.kernels.Kernels k, int m, double[] dist, int e0, float[] dR, int dROff, int ldr,
                  double[] dDist) {
        RadialTableKernel.backward(k, m, dist, e0, coef, segBase, segScale, cutoff, width, dR, dROff, ldr, dDist);
    }
}
