package org.e3j.plan;

import org.e3j.layers.graph.ValueType;

/**
 * One float32 step of a compiled model graph: the forward of one node (or of a fused group of nodes)
 * over a range of rows, and its reverse pass. Steps are immutable after planning and shared by the
 * workers; all mutable state lives in {@link PlanBuffers} and the per-worker scratch array.
 *
 * <p>Rules every step keeps (the planner relies on them):
 * <ul>
 *   <li><b>Row-local</b>: {@code forward(b, lo, hi, s)} writes only output rows {@code [lo, hi)} of
 *       {@link #domain()}, and each row's bits do not depend on {@code lo}/{@code hi}. Reductions over
 *       edges go through the CSR of {@link PlanBuffers} in edge order. So results are bit-identical for
 *       every thread count.</li>
 *   <li><b>Accumulating reverse pass</b>: phase {@code p} of {@link #backward} adds {@code gOut^T dOut/dIn}
 *       into {@code b.grad[in[k]]} (only where that is non-null) for rows {@code [lo, hi)} of
 *       {@link #backwardPhases()}{@code [p]}, never writing rows outside the range.</li>
 *   <li><b>No allocation</b> in forward or backward: weights are prepared at construction, scratch
 *       (at most {@link #scratchFloats()} per worker) is handed in.</li>
 * </ul>
 */
public abstract class Step {

    /** Row domains of values (docs/model-graph.md §2). */
    public enum Domain {
        NODE, EDGE, GRAPH;

        public static Domain of(String domain) {
            return switch (domain) {
                case "node" -> NODE;
                case "edge" -> EDGE;
                case "graph" -> GRAPH;
                default -> throw new IllegalArgumentException(domain);
            };
        }
    }

    /** The graph node this step computes (for messages). */
    protected final String node;
    /** The op's name. */
    protected final String op;
    /** Slot of each input (index into {@link PlanBuffers#value} / {@link PlanBuffers#index}). */
    protected final int[] in;
    /** Slot of the output. */
    protected final int out;
    /** Float width (irreps dim) of each input, 0 for int inputs. */
    protected final int[] inDim;
    /** Float width of the output, 0 for an int output. */
    protected final int outDim;
    /** Domain of the output rows. */
    protected final Domain domain;

    protected Step(StepContext c) {
        this.node = c.node();
        this.op = c.op();
        this.in = c.in().clone();
        this.out = c.out();
        this.inDim = new int[c.inTypes().size()];
        for (int k = 0; k < inDim.length; k++) {
            ValueType t = c.inTypes().get(k);
            inDim[k] = t.isFloat() ? t.dim() : 0;
        }
        this.outDim = c.outType().isFloat() ? c.outType().dim() : 0;
        this.domain = Domain.of(c.outType().domain());
    }

    public String node() {
        return node;
    }

    public String op() {
        return op;
    }

    public int[] inputs() {
        return in;
    }

    public int output() {
        return out;
    }

    public Domain domain() {
        return domain;
    }

    /** Computes output rows {@code [lo, hi)} of {@link #domain()}. */
    public abstract void forward(PlanBuffers b, int lo, int hi, float[] scratch);

    /** The domains the reverse pass is partitioned over, one per phase; default one phase over the output's rows. */
    public Domain[] backwardPhases() {
        return new Domain[] {domain};
    }

    /** Phase {@code phase} of the reverse pass over rows {@code [lo, hi)} of its domain (see the class rules). */
    public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {}

    /** Whether the output carries a gradient at all (false for int outputs and constants). */
    public boolean differentiable() {
        return outDim > 0;
    }

    /** Floats of scratch each worker needs for this step (forward or backward). */
    public int scratchFloats() {
        return 0;
    }

    /** Floating-point operations of one forward, for benchmarks (an estimate; 0 if unknown). */
    public double flops(int nodes, int edges) {
        return 0;
    }

    /** Rows of a domain in this evaluation. */
    protected static int rows(PlanBuffers b, Domain d) {
        return switch (d) {
            case NODE -> b.nodes;
            case EDGE -> b.edges;
            case GRAPH -> b.graphs;
        };
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + node + "]";
    }
}
