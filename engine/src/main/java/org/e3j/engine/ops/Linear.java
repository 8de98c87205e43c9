package org.e3j.engine.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.IrrepsException;
import org.e3j.engine.irreps.MulIrrep;

/**
 * e3nn-jax's {@code e3nn.flax.Linear(irreps_out)} (the "vanilla" case: one IrrepsArray argument,
 * no channel_out, no custom instructions), in double precision.
 *
 * <p>Bookkeeping exactly as {@code linear_flax.py} + {@code FunctionalLinear}: the input is
 * regrouped (zero chunks removed, stable sort, adjacent merge); {@code irreps_out} is simplified (not
 * sorted) and, unless {@code forceIrrepsOut}, filtered to the irreps present in the input, so
 * unreachable outputs disappear. Instructions are all {@code (i_in, i_out)} with equal irreps,
 * i_in-major. With path normalisation P and gradient normalisation G,
 * {@code alpha = 1 / (mul_in^P * sum_{ins -> i_out} mul_in^(1-P))}, {@code path_weight = sqrt(alpha)^G},
 * {@code weight_std = sqrt(alpha)^(1-G)}; e3nn's defaults ("element" P = 0, "path" G = 1) give
 * {@code path_weight = 1/sqrt(fan_in)}. The forward is
 * {@code y_j[w, k] = sum_{ins -> j} path_weight * sum_u W[u, w] x_{i_in}[u, k]}, the scale applied
 * after the contraction, instructions summed in order.
 *
 * <p>Parameters are named {@code "w[i_in,i_out] <mul>x<ir>,<mul>x<ir>"} with the regrouped input and
 * simplified/filtered output indices, shape {@code (mul_in, mul_out)}; with biases, each 0e output
 * gets {@code "b[i_out] <mul>x0e"} of shape {@code (mul,)}.
 */
public final class Linear {

    /** One weight block. {@code iIn == -1} marks a bias. */
    public record Instruction(int iIn, int iOut, int mulIn, int mulOut, double pathWeight, double weightStd,
            String name) {
        public boolean isBias() {
            return iIn < 0;
        }

        /** Flax parameter shape: {@code (mulIn, mulOut)}, or {@code (mulOut,)} for a bias. */
        public int[] shape() {
            return isBias() ? new int[] {mulOut} : new int[] {mulIn, mulOut};
        }
    }

    /** A parameter a loader must supply. */
    public record ParamSpec(String name, int[] shape) {
        public int size() {
            int n = 1;
            for (int s : shape) {
                n *= s;
            }
            return n;
        }

        public String shapeString() {
            return java.util.Arrays.toString(shape).replace('[', '(').replace(']', ')');
        }
    }

    private final Irreps irrepsIn;
    private final Irreps requestedOut;
    private final Irreps regroupedIn;
    private final Irreps irrepsOut;
    private final boolean forceIrrepsOut;
    private final int[] columns;
    private final List<Instruction> instructions;

    /** e3nn defaults: path_normalization "element" (0), gradient_normalization "path" (1), no biases. */
    public Linear(Irreps irrepsIn, Irreps irrepsOut) {
        this(irrepsIn, irrepsOut, 0.0, 1.0, false, false);
    }

    /**
     * @param pathNormalization 0 = "element", 1 = "path"
     * @param gradientNormalization 0 = "element", 1 = "path"
     */
    public Linear(Irreps irrepsIn, Irreps irrepsOut, double pathNormalization, double gradientNormalization,
            boolean biases, boolean forceIrrepsOut) {
        this.irrepsIn = irrepsIn;
        this.requestedOut = irrepsOut;
        this.forceIrrepsOut = forceIrrepsOut;
        this.regroupedIn = irrepsIn.regroup();
        this.columns = TensorProduct.regroupColumns(irrepsIn);
        Irreps out = irrepsOut.simplify();
        if (!forceIrrepsOut) {
            out = out.filterKeep(regroupedIn);
        }
        this.irrepsOut = out;

        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < regroupedIn.size(); i++) {
            for (int o = 0; o < out.size(); o++) {
                if (regroupedIn.get(i).ir().equals(out.get(o).ir())) {
                    pairs.add(new int[] {i, o});
                }
            }
        }
        List<Instruction> ins = new ArrayList<>();
        for (int[] pr : pairs) {
            double x = Math.pow(regroupedIn.get(pr[0]).mul(), pathNormalization);
            double sum = 0;
            for (int[] other : pairs) {
                if (other[1] == pr[1]) {
                    sum += Math.pow(regroupedIn.get(other[0]).mul(), 1.0 - pathNormalization);
                }
            }
            x *= sum;
            double alpha = x > 0 ? 1 / x : 1.0;
            double pw = Math.pow(Math.sqrt(alpha), gradientNormalization);
            double std = Math.pow(Math.sqrt(alpha), 1.0 - gradientNormalization);
            MulIrrep mi = regroupedIn.get(pr[0]);
            MulIrrep mo = out.get(pr[1]);
            String name = "w[" + pr[0] + "," + pr[1] + "] " + mi + "," + mo;
            ins.add(new Instruction(pr[0], pr[1], mi.mul(), mo.mul(), pw, std, name));
        }
        if (biases) {
            for (int o = 0; o < out.size(); o++) {
                MulIrrep mo = out.get(o);
                if (mo.ir().isScalar()) {
                    ins.add(new Instruction(-1, o, 0, mo.dim(), 1.0, 0.0, "b[" + o + "] " + mo));
                }
            }
        }
        this.instructions = List.copyOf(ins);
    }

    /** The input irreps as given by the caller. */
    public Irreps irrepsIn() {
        return irrepsIn;
    }

    /** The input after e3nn's regroup: the indices i_in of parameter names refer to it. */
    public Irreps regroupedIn() {
        return regroupedIn;
    }

    /** Output irreps: simplified, filtered to reachable ones (unless forced). */
    public Irreps irrepsOut() {
        return forceIrrepsOut ? requestedOut : irrepsOut;
    }

    /** The simplified output irreps the instruction indices i_out refer to. */
    public Irreps internalIrrepsOut() {
        return irrepsOut;
    }

    /** Regrouped input column c is original input column {@code regroupColumns()[c]}. */
    public int[] regroupColumns() {
        return columns.clone();
    }

    public List<Instruction> instructions() {
        return instructions;
    }

    /** Expected parameters in Flax insertion order (i_in-major, then biases). */
    public List<ParamSpec> parameterSpecs() {
        List<ParamSpec> out = new ArrayList<>();
        for (Instruction i : instructions) {
            out.add(new ParamSpec(i.name(), i.shape()));
        }
        return out;
    }

    /**
     * Checks a set of supplied parameter shapes against {@link #parameterSpecs()}.
     *
     * @throws IrrepsException naming every missing, unexpected and mis-shaped parameter
     */
    public void validate(Map<String, int[]> shapes) {
        List<String> problems = new ArrayList<>();
        Map<String, ParamSpec> expected = new LinkedHashMap<>();
        for (ParamSpec s : parameterSpecs()) {
            expected.put(s.name(), s);
        }
        for (ParamSpec s : expected.values()) {
            int[] got = shapes.get(s.name());
            if (got == null) {
                problems.add("missing \"" + s.name() + "\" " + s.shapeString());
            } else if (!java.util.Arrays.equals(got, s.shape())) {
                problems.add("\"" + s.name() + "\" has shape " + new ParamSpec(s.name(), got).shapeString()
                        + ", expected " + s.shapeString());
            }
        }
        for (String k : shapes.keySet()) {
            if (!expected.containsKey(k)) {
                problems.add("unexpected \"" + k + "\"");
            }
        }
        if (!problems.isEmpty()) {
            throw new IrrepsException("Linear(" + irrepsIn + " -> " + irrepsOut() + ") parameters: "
                    + String.join("; ", problems));
        }
    }

    /**
     * Applies the layer with double weights by name, row-major {@code (mul_in, mul_out)} (or
     * {@code (mul,)} for biases).
     */
    public IrrepsArray apply(Map<String, double[]> weights, IrrepsArray x) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : weights.entrySet()) {
            shapes.put(e.getKey(), shapeOf(e.getKey(), e.getValue().length));
        }
        validate(shapes);
        if (!x.irreps().equals(irrepsIn)) {
            throw new IrrepsException("Linear built for input " + irrepsIn + " applied to " + x.irreps());
        }
        int rows = x.rows();
        int dIn = irrepsIn.dim();
        Irreps outIrreps = irrepsOut;
        int dOut = outIrreps.dim();
        double[] out = new double[rows * dOut];
        double[] in = x.data();
        double[] xr = new double[dIn];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dIn; c++) {
                xr[c] = in[r * dIn + columns[c]];
            }
            for (Instruction ins : instructions) {
                double[] w = weights.get(ins.name());
                MulIrrep mo = outIrreps.get(ins.iOut());
                int oOff = r * dOut + outIrreps.offset(ins.iOut());
                if (ins.isBias()) {
                    for (int t = 0; t < mo.dim(); t++) {
                        out[oOff + t] += ins.pathWeight() * w[t];
                    }
                    continue;
                }
                int dim = mo.ir().dim();
                int iOff = regroupedIn.offset(ins.iIn());
                for (int wo = 0; wo < ins.mulOut(); wo++) {
                    for (int k = 0; k < dim; k++) {
                        double s = 0;
                        for (int u = 0; u < ins.mulIn(); u++) {
                            s += w[u * ins.mulOut() + wo] * xr[iOff + u * dim + k];
                        }
                        out[oOff + wo * dim + k] += ins.pathWeight() * s;
                    }
                }
            }
        }
        return new IrrepsArray(irrepsOut(), rows, out);
    }

    /**
     * Reverse pass of {@link #apply(Map, IrrepsArray)} with respect to the input: the layer is
     * linear, so this is {@code gradOut W^T} per instruction (biases do not contribute). Returns
     * row-major {@code [rows][irrepsIn().dim()]} in the caller's (not regrouped) input layout.
     *
     * @param gradOut row-major {@code [rows][irrepsOut().dim()]}
     */
    public double[] vjp(Map<String, double[]> weights, double[] gradOut, int rows) {
        int dIn = irrepsIn.dim();
        Irreps outIrreps = irrepsOut;
        int dOut = outIrreps.dim();
        if (gradOut.length != rows * dOut) {
            throw new IrrepsException("Linear vjp: gradient of length " + gradOut.length + " for " + rows
                    + " rows of " + outIrreps);
        }
        double[] g = new double[rows * dIn];
        double[] gr = new double[dIn];
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(gr, 0.0);
            for (Instruction ins : instructions) {
                if (ins.isBias()) {
                    continue;
                }
                double[] w = weights.get(ins.name());
                if (w == null || w.length != ins.mulIn() * ins.mulOut()) {
                    throw new IrrepsException("Linear vjp: weight \"" + ins.name() + "\" missing or mis-shaped");
                }
                MulIrrep mo = outIrreps.get(ins.iOut());
                int oOff = r * dOut + outIrreps.offset(ins.iOut());
                int dim = mo.ir().dim();
                int iOff = regroupedIn.offset(ins.iIn());
                for (int u = 0; u < ins.mulIn(); u++) {
                    for (int wo = 0; wo < ins.mulOut(); wo++) {
                        double wv = ins.pathWeight() * w[u * ins.mulOut() + wo];
                        for (int k = 0; k < dim; k++) {
                            gr[iOff + u * dim + k] += wv * gradOut[oOff + wo * dim + k];
                        }
                    }
                }
            }
            for (int c = 0; c < dIn; c++) {
                g[r * dIn + columns[c]] += gr[c];
            }
        }
        return g;
    }

    /** Same with float32 weights (as stored in a model file), widened exactly to double. */
    public IrrepsArray applyFloat(Map<String, float[]> weights, IrrepsArray x) {
        Map<String, double[]> d = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            float[] f = e.getValue();
            double[] v = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                v[i] = f[i];
            }
            d.put(e.getKey(), v);
        }
        return apply(d, x);
    }

    /** Shape implied by a flat length for a known name (flat arrays carry no shape of their own). */
    private int[] shapeOf(String name, int length) {
        for (Instruction i : instructions) {
            if (i.name().equals(name)) {
                int[] s = i.shape();
                int n = 1;
                for (int v : s) {
                    n *= v;
                }
                return n == length ? s : new int[] {length};
            }
        }
        return new int[] {length};
    }

    @Override
    public String toString() {
        return "Linear(" + regroupedIn + " -> " + irrepsOut() + ", " + instructions.size() + " instructions)";
    }
}
