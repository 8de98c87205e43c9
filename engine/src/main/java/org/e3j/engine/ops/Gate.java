package org.e3j.engine.ops;

import java.util.ArrayList;
import java.util.List;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.IrrepsException;
import org.e3j.engine.irreps.MulIrrep;

/**
 * e3nn-jax's {@code gate(input, even_act=gelu, odd_act=soft_odd, even_gate_act=sigmoid,
 * odd_gate_act=tanh, normalize_act=True)}, in double precision.
 *
 * <p>Bookkeeping ({@code gate.py::_gate}): scalars = the 0e/0o entries (original order), vectors =
 * the rest; with no vectors every scalar is activated. Otherwise with {@code n = vectors.num_irreps},
 * the <em>last</em> n scalar copies are gates ({@code slice_by_mul}) and the others are "extra"
 * scalars. Extra scalars go through even_act (0e) / odd_act (0o), gates through the gate
 * activations, and gate j multiplies every component of the j-th vector copy (the elementwise tensor
 * product, which may split vector entries to align with the gate entries). An odd activation on a 0o
 * scalar keeps it odd, an even one makes it 0e, anything else is an error; a 0o gate flips the parity
 * of what it gates. Output = {@code [extra activated] + [gated vectors]}, not simplified.
 *
 * <p>Each activation carries its normalisation divisor explicitly ({@link ScalarAct}) so a loader
 * can pass the float32 constants exported with a model instead of the double ones computed here.
 */
public final class Gate {

    /** An activation divided by a constant ({@code normalize_function}); constant 1 means raw. */
    public record ScalarAct(Activation fn, double constant) {
        /** {@code fn / c} with e3nn-jax's grid constant c, computed in double (cached). */
        public static ScalarAct normalized(Activation fn) {
            return new ScalarAct(fn, Activations.normalizeConstant(fn));
        }

        public static ScalarAct raw(Activation fn) {
            return new ScalarAct(fn, 1.0);
        }

        public double apply(double x) {
            return fn.applyAsDouble(x) / constant;
        }

        /** {@code d/dx (fn(x) / constant)}. */
        public double derivative(double x) {
            return fn.derivative(x) / constant;
        }

        /** Output parity for a scalar of parity p: p if even input, else the function's parity. */
        int parityOut(int p) {
            return p == 1 ? 1 : Activations.parity(fn);
        }
    }

    private final Irreps irrepsIn;
    private final ScalarAct evenAct;
    private final ScalarAct oddAct;
    private final ScalarAct evenGateAct;
    private final ScalarAct oddGateAct;
    private final Irreps scalars;
    private final Irreps vectors;
    private final Irreps extra;
    private final Irreps gates;
    private final Irreps extraOut;
    private final Irreps gatesOut;
    private final Irreps gatedOut;
    private final Irreps irrepsOut;

    /** e3nn-jax's defaults (gelu, soft_odd, sigmoid, tanh), normalised with constants computed in double. */
    public Gate(Irreps irrepsIn) {
        this(irrepsIn, ScalarAct.normalized(Activation.GELU), ScalarAct.normalized(Activation.SOFT_ODD),
                ScalarAct.normalized(Activation.SIGMOID), ScalarAct.normalized(Activation.TANH));
    }

    public Gate(Irreps irrepsIn, ScalarAct evenAct, ScalarAct oddAct, ScalarAct evenGateAct, ScalarAct oddGateAct) {
        this.irrepsIn = irrepsIn;
        this.evenAct = evenAct;
        this.oddAct = oddAct;
        this.evenGateAct = evenGateAct;
        this.oddGateAct = oddGateAct;
        List<Irrep> scalarIrs = List.of(Irrep.SCALAR_EVEN, Irrep.SCALAR_ODD);
        this.scalars = irrepsIn.filterKeep(scalarIrs);
        this.vectors = irrepsIn.filterDrop(scalarIrs);
        int n = vectors.numIrreps();
        if (vectors.dim() == 0) {
            this.extra = scalars;
            this.gates = Irreps.EMPTY;
        } else {
            if (scalars.dim() < n) {
                throw new IrrepsException("gate: " + irrepsIn + " has " + scalars.dim() + " scalars but "
                        + n + " non-scalar irreps to gate; it needs at least as many scalars");
            }
            this.extra = scalars.sliceByMul(0, scalars.dim() - n);
            this.gates = scalars.sliceByMul(scalars.dim() - n, Integer.MAX_VALUE);
        }
        this.extraOut = activatedIrreps(extra, evenAct, oddAct);
        this.gatesOut = activatedIrreps(gates, evenGateAct, oddGateAct);
        if (vectors.dim() == 0) {
            this.gatedOut = Irreps.EMPTY;
        } else {
            List<MulIrrep> out = new ArrayList<>();
            for (int[] a : align(gatesOut, vectors)) {
                Irrep g = gatesOut.get(a[0]).ir();
                Irrep v = vectors.get(a[1]).ir();
                out.add(new MulIrrep(a[2], new Irrep(v.l(), g.p() * v.p())));
            }
            this.gatedOut = Irreps.of(out);
        }
        this.irrepsOut = extraOut.concat(gatedOut);
    }

    private static Irreps activatedIrreps(Irreps in, ScalarAct even, ScalarAct odd) {
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : in) {
            ScalarAct act = m.p() == 1 ? even : odd;
            int p = act.parityOut(m.p());
            if (p == 0) {
                throw new IrrepsException("gate: activation " + act.fn() + " on " + m + " violates parity: an odd"
                        + " scalar needs an even or odd activation");
            }
            out.add(new MulIrrep(m.mul(), new Irrep(0, p)));
        }
        return Irreps.of(out);
    }

    /**
     * Common refinement of two irreps with equal num_irreps (e3nn's {@code _align_two_irreps}):
     * triples (entry in a, entry in b, mul), in order, skipping empty pieces.
     */
    static List<int[]> align(Irreps a, Irreps b) {
        List<int[]> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        int ra = a.size() > 0 ? a.get(0).mul() : 0;
        int rb = b.size() > 0 ? b.get(0).mul() : 0;
        while (i < a.size() && j < b.size()) {
            if (ra == 0) {
                if (++i < a.size()) {
                    ra = a.get(i).mul();
                }
                continue;
            }
            if (rb == 0) {
                if (++j < b.size()) {
                    rb = b.get(j).mul();
                }
                continue;
            }
            int m = Math.min(ra, rb);
            out.add(new int[] {i, j, m});
            ra -= m;
            rb -= m;
        }
        return out;
    }

    public Irreps irrepsIn() {
        return irrepsIn;
    }

    /** The 0e/0o entries of the input, in order. */
    public Irreps scalars() {
        return scalars;
    }

    /** The non-scalar entries of the input, in order. */
    public Irreps vectors() {
        return vectors;
    }

    /** Scalars activated directly (the first ones), before activation. */
    public Irreps extra() {
        return extra;
    }

    /** Scalars used as gates (the LAST {@code vectors().numIrreps()} scalar copies), before activation. */
    public Irreps gates() {
        return gates;
    }

    public Irreps irrepsOut() {
        return irrepsOut;
    }

    public ScalarAct evenAct() {
        return evenAct;
    }

    public ScalarAct oddAct() {
        return oddAct;
    }

    public ScalarAct evenGateAct() {
        return evenGateAct;
    }

    public ScalarAct oddGateAct() {
        return oddGateAct;
    }

    public IrrepsArray apply(IrrepsArray x) {
        if (!x.irreps().equals(irrepsIn)) {
            throw new IrrepsException("gate built for " + irrepsIn + " applied to " + x.irreps());
        }
        List<Irrep> scalarIrs = List.of(Irrep.SCALAR_EVEN, Irrep.SCALAR_ODD);
        IrrepsArray s = x.filterKeep(scalarIrs);
        IrrepsArray v = x.filterDrop(scalarIrs);
        int ns = s.dim();
        int nv = vectors.numIrreps();
        IrrepsArray ex = vectors.dim() == 0 ? s : s.sliceByMul(0, ns - nv);
        IrrepsArray ex2 = activate(ex, evenAct, oddAct).withIrreps(extraOut);
        if (vectors.dim() == 0) {
            return ex2;
        }
        IrrepsArray g = activate(s.sliceByMul(ns - nv, Integer.MAX_VALUE), evenGateAct, oddGateAct);
        IrrepsArray gated = ElementwiseScale.apply(g.data(), v).withIrreps(gatedOut);
        return IrrepsArray.concatenate(ex2, gated);
    }

    /**
     * Reverse pass: the gradient with respect to {@code x} (row-major, {@code irrepsIn()} layout)
     * of {@code sum(gradOut * apply(x))}, i.e. {@code gradOut^T J(x)}. {@code gradOut} has the
     * layout of {@link #irrepsOut()} and as many rows as x.
     */
    public double[] vjp(IrrepsArray x, double[] gradOut) {
        if (!x.irreps().equals(irrepsIn)) {
            throw new IrrepsException("gate built for " + irrepsIn + " applied to " + x.irreps());
        }
        int rows = x.rows();
        int dIn = irrepsIn.dim();
        int dOut = irrepsOut.dim();
        if (gradOut.length != rows * dOut) {
            throw new IrrepsException("gate vjp: gradient of length " + gradOut.length + " for " + rows + " rows of "
                    + irrepsOut);
        }
        // columns (in x) and parities of every scalar copy, and the start column of every vector copy
        int ns = scalars.dim();
        int nv = vectors.numIrreps();
        int[] scalarCol = new int[ns];
        int[] scalarParity = new int[ns];
        int[] vectorCol = new int[nv];
        int[] vectorDim = new int[nv];
        int si = 0;
        int vi = 0;
        for (int e = 0; e < irrepsIn.size(); e++) {
            MulIrrep m = irrepsIn.get(e);
            int off = irrepsIn.offset(e);
            for (int u = 0; u < m.mul(); u++) {
                if (m.ir().l() == 0) {
                    scalarCol[si] = off + u;
                    scalarParity[si++] = m.ir().p();
                } else if (m.ir().dim() > 0) {
                    vectorCol[vi] = off + u * m.ir().dim();
                    vectorDim[vi++] = m.ir().dim();
                }
            }
        }
        boolean noVectors = vectors.dim() == 0;
        int nExtra = noVectors ? ns : ns - nv;
        double[] in = x.data();
        double[] g = new double[rows * dIn];
        for (int r = 0; r < rows; r++) {
            int xr = r * dIn;
            int gr = r * dOut;
            for (int j = 0; j < nExtra; j++) {
                ScalarAct act = scalarParity[j] == 1 ? evenAct : oddAct;
                int c = xr + scalarCol[j];
                g[c] += gradOut[gr + j] * act.derivative(in[c]);
            }
            if (noVectors) {
                continue;
            }
            int col = gr + nExtra;
            for (int v = 0; v < nv; v++) {
                int sj = nExtra + v;
                ScalarAct act = scalarParity[sj] == 1 ? evenGateAct : oddGateAct;
                int sc = xr + scalarCol[sj];
                double gateValue = act.apply(in[sc]);
                double dot = 0;
                int vc = xr + vectorCol[v];
                for (int k = 0; k < vectorDim[v]; k++) {
                    double go = gradOut[col + k];
                    g[vc + k] += go * gateValue;
                    dot += go * in[vc + k];
                }
                g[sc] += dot * act.derivative(in[sc]);
                col += vectorDim[v];
            }
        }
        return g;
    }

    /** Applies even/odd activation per scalar entry (all entries are scalars). */
    private static IrrepsArray activate(IrrepsArray a, ScalarAct even, ScalarAct odd) {
        double[] in = a.data();
        double[] out = new double[in.length];
        int d = a.dim();
        for (int r = 0; r < a.rows(); r++) {
            for (int e = 0; e < a.irreps().size(); e++) {
                MulIrrep m = a.irreps().get(e);
                ScalarAct act = m.p() == 1 ? even : odd;
                int off = r * d + a.irreps().offset(e);
                for (int u = 0; u < m.mul(); u++) {
                    out[off + u] = act.apply(in[off + u]);
                }
            }
        }
        return new IrrepsArray(a.irreps(), a.rows(), out);
    }

    @Override
    public String toString() {
        return "Gate(" + irrepsIn + " -> " + irrepsOut + ")";
    }
}
