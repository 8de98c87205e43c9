package org.e3j.plan.steps;

import org.e3j.layers.graph.GraphOp;
import org.e3j.layers.graph.LinearOps;
import org.e3j.layers.graph.Rearrange;
import org.e3j.layers.graph.ValueType;
import org.e3j.layers.graph.WeightedTensorProducts;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * Float32 steps of the equivariant ops: {@code linear}, {@code scale_irreps}, {@code simplify},
 * {@code tensor_product}, {@code tensor_product_uvu}, {@code fully_connected_tensor_product} and
 * {@code gate}. Each is built from the compiled double op (its parsed attributes and weights), folds
 * every normalisation constant into its float weights once (computed in double, rounded once) and
 * runs row by row; all are row-local, so the reverse pass is one phase over the output's rows.
 */
public final class EquivariantSteps {
    private EquivariantSteps() {}

    /** The step for {@code c}'s op, or null if the op is not one of this family. */
    public static Step create(StepContext c) {
        GraphOp g = c.compiled();
        if (g instanceof LinearOps.Linear l) {
            return new LinearStep(c, l);
        }
        if (g instanceof LinearOps.ScaleIrreps) {
            return new RearrangeSteps.ScaleIrreps(c);
        }
        if (g instanceof LinearOps.Simplify) {
            return new RearrangeSteps.Simplify(c);
        }
        if (g instanceof LinearOps.Product p) {
            return new TensorProductStep(c, p.tensorProduct());
        }
        if (g instanceof WeightedTensorProducts.Uvu u) {
            return new UvuStep(c, u);
        }
        if (g instanceof WeightedTensorProducts.FullyConnected f) {
            return new FullyConnectedStep(c, f);
        }
        if (g instanceof LinearOps.GateOp gate) {
            return new GateStep(c, gate.gate32());
        }
        return null;
    }

    /**
     * The fused step of {@code scale_irreps(tensor_product(a, b), s)}: {@code c} is the scale node's
     * context with inputs (a, b, s); {@code product} the tensor product's compiled op.
     */
    public static Step scaledProduct(StepContext c, GraphOp product) {
        return new TensorProductStep(c, ((LinearOps.Product) product).tensorProduct(), true);
    }

    /**
     * The fused message block {@code scatter_sum(product, receivers) / divisor}, or null when the
     * product's output cannot be written straight into the scatter's layout.
     *
     * @param product the product's context: inputs (x1, x2, w) for {@code tensor_product_uvu} or for a
     *     {@code tensor_product} fused with {@code scale_irreps} ({@code scaled}), output the product value
     * @param simplifyColumns the gather of a {@code simplify} between product and scatter, or null
     * @param block the block's context: inputs (x1, x2, w, receivers), output the scatter's value
     */
    public static Step messageBlock(StepContext product, boolean scaled, int[] simplifyColumns, StepContext block,
            double divisor) {
        ChannelPaths paths;
        if (scaled) {
            TensorProductStep tp = new TensorProductStep(product, ((LinearOps.Product) product.compiled()).tensorProduct(),
                    true);
            paths = tp.channelPaths();
            if (tp.swapped()) { // the block reads the product's inputs in the paths' order
                int[] in = block.in().clone();
                in[0] = block.in()[1];
                in[1] = block.in()[0];
                java.util.List<ValueType> types = new java.util.ArrayList<>(block.inTypes());
                types.set(0, block.inTypes().get(1));
                types.set(1, block.inTypes().get(0));
                block = new StepContext(block.node(), block.op(), block.compiled(), in, block.out(), types,
                        block.outType());
            }
        } else {
            paths = new UvuStep(product, (WeightedTensorProducts.Uvu) product.compiled()).channelPaths();
        }
        if (simplifyColumns != null) {
            int[] columnOf = new int[product.outType().dim()];
            java.util.Arrays.fill(columnOf, -1);
            for (int k = 0; k < simplifyColumns.length; k++) {
                columnOf[simplifyColumns[k]] = k;
            }
            paths = paths.remapOutput(columnOf);
            if (paths == null) {
                return null;
            }
        }
        return new MessageBlockStep(block, paths, true, divisor);
    }

    /** The column gather of a {@code simplify} of a value of this type. */
    public static int[] simplifyColumns(ValueType in) {
        return Rearrange.of(in, "simplify").columns().clone();
    }

    /** Per input column: whether it lies in a chunk that is not known to be zero. */
    static boolean[] liveColumns(ValueType t) {
        boolean[] live = new boolean[t.dim()];
        for (int c = 0; c < t.irreps().size(); c++) {
            boolean zero = t.zero() != null && t.zero()[c];
            int off = t.irreps().offset(c);
            for (int k = 0; k < t.irreps().get(c).dim(); k++) {
                live[off + k] = !zero;
            }
        }
        return live;
    }

    /** Whether every column in {@code columns[from .. from + n)} is dead (a known-zero chunk). */
    static boolean allDead(boolean[] live, int[] columns, int from, int n) {
        for (int t = 0; t < n; t++) {
            if (live[columns == null ? from + t : columns[from + t]]) {
                return false;
            }
        }
        return true;
    }

    /** Adds {@code n} floats of {@code src} from {@code srcOff} into {@code dst} from {@code dstOff}. */
    static void addInto(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int t = 0; t < n; t++) {
            dst[dstOff + t] += src[srcOff + t];
        }
    }
}
