package org.e3j.layers.graph;

import java.util.ArrayList;
import java.util.List;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.MulIrrep;
import org.e3j.engine.so3.ClebschGordan;

/**
 * e3nn-jax's {@code legacy.FunctionalTensorProduct}: {@code tensor_product_uvu} (instructions given,
 * weights per edge from the third input) and {@code fully_connected_tensor_product} (all "uvw"
 * paths, weights from the file), with e3nn's path normalisation and their reverse passes.
 */
public final class WeightedTensorProducts {

    private WeightedTensorProducts() {}

    /** One instruction with everything resolved. {@code wOff} indexes the per-row (uvu) or file (uvw) weights. */
    public record Path(int i1, int i2, int iOut, boolean uvu, int mul1, int mul2, int mulOut, int d1, int d2, int dOut,
            int off1, int off2, int offOut, double pw, ClebschGordan cg, boolean hasWeight, int wOff, double[] w) {}

    /** e3nn-jax's {@code _normalize_instruction_path_weights} with unit input/output variances. */
    static double[] pathWeights(List<int[]> ins, boolean[] hasWeight, Irreps ir1, Irreps ir2, Irreps irOut,
            boolean uvu, String irrepNorm, double pn, double gn) {
        int n = ins.size();
        double[] numElements = new double[n];
        double[] sums = new double[irOut.size()];
        for (int k = 0; k < n; k++) {
            int[] t = ins.get(k);
            numElements[k] = uvu ? ir2.get(t[1]).mul() : ir1.get(t[0]).mul() * ir2.get(t[1]).mul();
            sums[t[2]] += Math.pow(numElements[k], 1.0 - pn);
        }
        double[] pw = new double[n];
        for (int k = 0; k < n; k++) {
            int[] t = ins.get(k);
            double alpha = switch (irrepNorm) {
                case "component" -> irOut.get(t[2]).ir().dim();
                case "norm" -> ir1.get(t[0]).ir().dim() * ir2.get(t[1]).ir().dim();
                default -> 1.0;
            };
            double x = Math.pow(numElements[k], pn) * sums[t[2]];
            if (x > 0) {
                alpha /= x;
            }
            pw[k] = hasWeight[k] ? Math.pow(Math.sqrt(alpha), gn) : Math.sqrt(alpha);
        }
        return pw;
    }

    static void checkIrreps(GraphOp.Spec s, Irreps... all) {
        for (Irreps irreps : all) {
            for (MulIrrep m : irreps) {
                if (m.mul() < 1) {
                    throw s.error("irreps " + irreps + " hold a zero multiplicity");
                }
            }
        }
    }

    /** out[iOut] += pw * sum W * C x1 x2, uvu: {@code uv,ijk,ui,vj->uk}, uvw: {@code uvw,ijk,ui,vj->wk}. */
    static void forwardRow(List<Path> paths, double[] x1, int o1, double[] x2, int o2, double[] rowW, int ow,
            double[] out, int oo, boolean[] zero1, boolean[] zero2) {
        for (Path p : paths) {
            if (zero1[p.i1] || zero2[p.i2]) {
                continue;
            }
            ClebschGordan cg = p.cg;
            for (int u = 0; u < p.mul1; u++) {
                for (int v = 0; v < p.mul2; v++) {
                    for (int nz = 0; nz < cg.nnz(); nz++) {
                        double prod = p.pw * cg.value(nz) * x1[o1 + p.off1 + u * p.d1 + cg.i(nz)]
                                * x2[o2 + p.off2 + v * p.d2 + cg.j(nz)];
                        if (p.uvu) {
                            double w = p.hasWeight ? rowW[ow + p.wOff + u * p.mul2 + v] : 1.0;
                            out[oo + p.offOut + u * p.dOut + cg.k(nz)] += w * prod;
                        } else {
                            for (int w = 0; w < p.mulOut; w++) {
                                out[oo + p.offOut + w * p.dOut + cg.k(nz)] += p.w[(u * p.mul2 + v) * p.mulOut + w] * prod;
                            }
                        }
                    }
                }
            }
        }
    }

    /** The reverse of {@link #forwardRow}: gradients of x1, x2 and (uvu) the per-row weights. */
    static void backwardRow(List<Path> paths, double[] x1, int o1, double[] x2, int o2, double[] rowW, int ow,
            double[] g, int og, double[] g1, double[] g2, double[] gw, boolean[] zero1, boolean[] zero2) {
        for (Path p : paths) {
            if (zero1[p.i1] || zero2[p.i2]) {
                continue;
            }
            ClebschGordan cg = p.cg;
            for (int u = 0; u < p.mul1; u++) {
                for (int v = 0; v < p.mul2; v++) {
                    for (int nz = 0; nz < cg.nnz(); nz++) {
                        int a = o1 + p.off1 + u * p.d1 + cg.i(nz);
                        int b = o2 + p.off2 + v * p.d2 + cg.j(nz);
                        double c = p.pw * cg.value(nz);
                        double gg;
                        if (p.uvu) {
                            double go = g[og + p.offOut + u * p.dOut + cg.k(nz)];
                            double w = p.hasWeight ? rowW[ow + p.wOff + u * p.mul2 + v] : 1.0;
                            if (p.hasWeight && gw != null) {
                                gw[ow + p.wOff + u * p.mul2 + v] += go * c * x1[a] * x2[b];
                            }
                            gg = go * w;
                        } else {
                            gg = 0;
                            for (int w = 0; w < p.mulOut; w++) {
                                gg += g[og + p.offOut + w * p.dOut + cg.k(nz)] * p.w[(u * p.mul2 + v) * p.mulOut + w];
                            }
                        }
                        if (g1 != null) {
                            g1[a] += gg * c * x2[b];
                        }
                        if (g2 != null) {
                            g2[b] += gg * c * x1[a];
                        }
                    }
                }
            }
        }
    }

    static boolean[] zeroOf(ValueType t, int n) {
        return t.zero() == null ? new boolean[n] : t.zero();
    }

    public static final class Uvu extends GraphOp {
        private final List<Path> paths = new ArrayList<>();
        private final int d1;
        private final int d2;
        private final int dOut;
        private final int nw;
        private final boolean[] zero1;
        private final boolean[] zero2;

        Uvu(Spec s) {
            super(s);
            Irreps ir1 = s.irreps("irreps_in1");
            Irreps ir2 = s.irreps("irreps_in2");
            Irreps irOut = s.irreps("irreps_out");
            checkIrreps(s, ir1, ir2, irOut);
            String norm = s.choice("irrep_normalization", "component", "norm", "none");
            double pn = s.normalization("path_normalization");
            double gn = s.normalization("gradient_normalization");
            ValueType x1 = s.floatInput(0);
            ValueType x2 = s.floatInput(1);
            ValueType w = s.floatInput(2);
            if (!x1.irreps().equals(ir1) || !x2.irreps().equals(ir2)) {
                throw s.error("inputs " + x1.irreps() + ", " + x2.irreps() + " != " + ir1 + ", " + ir2);
            }
            if (!x1.domain().equals(x2.domain()) || !x1.domain().equals(w.domain())) {
                throw s.error("inputs live on different domains");
            }
            if (!(s.raw("instructions") instanceof List<?> list)) {
                throw s.error("instructions must be a list");
            }
            List<int[]> ins = new ArrayList<>();
            boolean[] hasWeight = new boolean[list.size()];
            for (int k = 0; k < list.size(); k++) {
                if (!(list.get(k) instanceof List<?> t) || t.size() != 5 || !(t.get(0) instanceof Long a)
                        || !(t.get(1) instanceof Long b) || !(t.get(2) instanceof Long c) || !"uvu".equals(t.get(3))
                        || !(t.get(4) instanceof Boolean hw)) {
                    throw s.error("instructions[" + k + "] must be [i_in1, i_in2, i_out, \"uvu\", has_weight]");
                }
                if (a < 0 || a >= ir1.size() || b < 0 || b >= ir2.size() || c < 0 || c >= irOut.size()) {
                    throw s.error("instructions[" + k + "] indexes past the irreps");
                }
                Irrep i1 = ir1.get((int) (long) a).ir();
                Irrep i2 = ir2.get((int) (long) b).ir();
                MulIrrep o = irOut.get((int) (long) c);
                if (!i1.times(i2).contains(o.ir()) || o.mul() != ir1.get((int) (long) a).mul()) {
                    throw s.error("instructions[" + k + "]: " + ir1.get((int) (long) a) + " x " + i2 + " cannot give " + o
                            + " (uvu)");
                }
                ins.add(new int[] {(int) (long) a, (int) (long) b, (int) (long) c});
                hasWeight[k] = hw;
            }
            double[] pw = pathWeights(ins, hasWeight, ir1, ir2, irOut, true, norm, pn, gn);
            zero1 = zeroOf(x1, ir1.size());
            zero2 = zeroOf(x2, ir2.size());
            boolean[] live = new boolean[irOut.size()];
            int wOff = 0;
            for (int k = 0; k < ins.size(); k++) {
                int[] t = ins.get(k);
                MulIrrep m1 = ir1.get(t[0]);
                MulIrrep m2 = ir2.get(t[1]);
                MulIrrep mo = irOut.get(t[2]);
                paths.add(new Path(t[0], t[1], t[2], true, m1.mul(), m2.mul(), mo.mul(), m1.ir().dim(), m2.ir().dim(),
                        mo.ir().dim(), ir1.offset(t[0]), ir2.offset(t[1]), irOut.offset(t[2]), pw[k],
                        ClebschGordan.of(m1.l(), m2.l(), mo.l()), hasWeight[k], wOff, null));
                if (hasWeight[k]) {
                    wOff += m1.mul() * m2.mul();
                }
                live[t[2]] |= !zero1[t[0]] && !zero2[t[1]];
            }
            nw = wOff;
            if (!w.irreps().isScalar() || w.dim() != nw) {
                throw s.error(nw + " weights per edge needed, got " + w.irreps());
            }
            d1 = ir1.dim();
            d2 = ir2.dim();
            dOut = irOut.dim();
            boolean[] zero = new boolean[irOut.size()];
            for (int k = 0; k < zero.length; k++) {
                zero[k] = !live[k];
            }
            out = ValueType.floats(x1.domain(), irOut, zero);
        }

        /** The instructions, resolved (offsets into the inputs and the output; {@code wOff} into a row's weights). */
        public List<Path> paths() {
            return java.util.Collections.unmodifiableList(paths);
        }

        @Override
        public Object forward(Run run, Object[] in) {
            int rows = run.rows(out.domain());
            double[] o = new double[rows * dOut];
            for (int r = 0; r < rows; r++) {
                forwardRow(paths, d(in[0]), r * d1, d(in[1]), r * d2, d(in[2]), r * nw, o, r * dOut, zero1, zero2);
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int rows = run.rows(out.domain());
            for (int r = 0; r < rows; r++) {
                backwardRow(paths, d(in[0]), r * d1, d(in[1]), r * d2, d(in[2]), r * nw, g, r * dOut, gIn[0], gIn[1],
                        gIn[2], zero1, zero2);
            }
        }
    }

    public static final class FullyConnected extends GraphOp {
        private final List<Path> paths = new ArrayList<>();
        private final Rearrange re1;
        private final Rearrange re2;
        private final int dimIn1;
        private final int dimIn2;
        private final int dOut;
        private final boolean[] none1;
        private final boolean[] none2;

        FullyConnected(Spec s) {
            super(s);
            Irreps ir1 = s.irreps("irreps_in1");
            Irreps ir2 = s.irreps("irreps_in2");
            Irreps irOut = s.irreps("irreps_out");
            Irreps outIrreps = s.irreps("output_irreps");
            checkIrreps(s, ir1, ir2, irOut);
            String norm = s.choice("irrep_normalization", "component", "norm", "none");
            double pn = s.normalization("path_normalization");
            double gn = s.normalization("gradient_normalization");
            ValueType x1 = s.floatInput(0);
            ValueType x2 = s.floatInput(1);
            if (!x1.domain().equals(x2.domain())) {
                throw s.error("inputs live on different domains");
            }
            re1 = Rearrange.of(x1, "simplify");
            re2 = Rearrange.of(x2, "simplify");
            if (!re1.irreps().equals(ir1) || !re2.irreps().equals(ir2)) {
                throw s.error("inputs " + re1.irreps() + ", " + re2.irreps() + " (zero chunks dropped, simplified) != "
                        + ir1 + ", " + ir2);
            }
            if (!outIrreps.simplify().equals(irOut.simplify()) || !refines(outIrreps, irOut)) {
                throw s.error("output_irreps " + outIrreps + " is not a rechunking of irreps_out " + irOut);
            }
            List<int[]> ins = new ArrayList<>();
            for (int a = 0; a < ir1.size(); a++) {
                for (int b = 0; b < ir2.size(); b++) {
                    for (int c = 0; c < irOut.size(); c++) {
                        if (ir1.get(a).ir().times(ir2.get(b).ir()).contains(irOut.get(c).ir())) {
                            ins.add(new int[] {a, b, c});
                        }
                    }
                }
            }
            boolean[] hasWeight = new boolean[ins.size()];
            java.util.Arrays.fill(hasWeight, true);
            double[] pw = pathWeights(ins, hasWeight, ir1, ir2, irOut, false, norm, pn, gn);
            boolean[] live = new boolean[irOut.dim()];
            for (int k = 0; k < ins.size(); k++) {
                int[] t = ins.get(k);
                MulIrrep m1 = ir1.get(t[0]);
                MulIrrep m2 = ir2.get(t[1]);
                MulIrrep mo = irOut.get(t[2]);
                String name = "w[" + t[0] + "," + t[1] + "," + t[2] + "] " + m1 + "," + m2 + "," + mo;
                double[] w = s.weight(name, m1.mul(), m2.mul(), mo.mul());
                paths.add(new Path(t[0], t[1], t[2], false, m1.mul(), m2.mul(), mo.mul(), m1.ir().dim(), m2.ir().dim(),
                        mo.ir().dim(), ir1.offset(t[0]), ir2.offset(t[1]), irOut.offset(t[2]), pw[k],
                        ClebschGordan.of(m1.l(), m2.l(), mo.l()), true, 0, w));
                for (int col = 0; col < mo.dim(); col++) {
                    live[irOut.offset(t[2]) + col] = true;
                }
            }
            none1 = new boolean[ir1.size()];
            none2 = new boolean[ir2.size()];
            dimIn1 = x1.dim();
            dimIn2 = x2.dim();
            dOut = irOut.dim();
            out = ValueType.floats(x1.domain(), outIrreps, LinearOps.zeroFromColumns(outIrreps, live));
        }

        /** The instructions, resolved (offsets into the rearranged inputs and the output; weights {@code [mul1][mul2][mulOut]}). */
        public List<Path> paths() {
            return java.util.Collections.unmodifiableList(paths);
        }

        /** The rearrangements of the two inputs (zero chunks dropped, simplified). */
        public Rearrange rearrange1() {
            return re1;
        }

        public Rearrange rearrange2() {
            return re2;
        }

        /** e3nn rechunk: every chunk of {@code fine} lies inside one chunk of {@code coarse}, same irrep. */
        private static boolean refines(Irreps fine, Irreps coarse) {
            int c = 0;
            int used = 0;
            for (MulIrrep m : fine) {
                while (c < coarse.size() && used == coarse.get(c).mul()) {
                    c++;
                    used = 0;
                }
                if (c >= coarse.size() || !coarse.get(c).ir().equals(m.ir()) || used + m.mul() > coarse.get(c).mul()) {
                    return false;
                }
                used += m.mul();
            }
            return true;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            int rows = run.rows(out.domain());
            double[] a = re1.gather(d(in[0]), dimIn1);
            double[] b = re2.gather(d(in[1]), dimIn2);
            int w1 = re1.columns().length;
            int w2 = re2.columns().length;
            double[] o = new double[rows * dOut];
            for (int r = 0; r < rows; r++) {
                forwardRow(paths, a, r * w1, b, r * w2, null, 0, o, r * dOut, none1, none2);
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int rows = run.rows(out.domain());
            double[] a = re1.gather(d(in[0]), dimIn1);
            double[] b = re2.gather(d(in[1]), dimIn2);
            int w1 = re1.columns().length;
            int w2 = re2.columns().length;
            double[] ga = gIn[0] == null ? null : new double[a.length];
            double[] gb = gIn[1] == null ? null : new double[b.length];
            for (int r = 0; r < rows; r++) {
                backwardRow(paths, a, r * w1, b, r * w2, null, 0, g, r * dOut, ga, gb, null, none1, none2);
            }
            if (ga != null) {
                re1.scatterAdd(ga, gIn[0], dimIn1);
            }
            if (gb != null) {
                re2.scatterAdd(gb, gIn[1], dimIn2);
            }
        }
    }
}
