package org.e3j.engine.kernels;

import java.util.List;

/**
 * The HotSpot CompileCommands every JVM that runs e3j's SIMD kernels must be given (docs/kernels.md,
 * "Inlining"). The Vector API allocates nothing only where C2 sees a whole chain from a kernel's loop
 * down to {@code FloatVector} in one compilation, and that chain breaks in two ways:
 * <ul>
 *   <li>too much vector code in one compilation: the Vector API expands each operation into many C2
 *       nodes, and past {@code NodeCountInliningCutoff} (18 000 nodes, not settable in a product JVM)
 *       C2 leaves the remaining calls standing, so their vectors are boxed. Which branches are compiled
 *       (and so the node count) depends on the profile, hence on what ran before: one JVM in several.
 *       {@link #DONTINLINE_KERNELS}, {@link #DONTINLINE_RADIAL}, {@link #DONTINLINE_EDGE},
 *       {@link #DONTINLINE_GEMM} and {@link #DONTINLINE_ACTIVATIONS} make every method of the classes
 *       that hold vector code its own compilation root (they pass arrays, never vectors);</li>
 *   <li>a helper that takes or returns a vector ({@code VectorMath.silu} and the other activation
 *       functions) left as a call because it had already been compiled on its own into more code than
 *       {@code InlineSmallCode}: the vector then crosses the call as a heap object. Which helpers are
 *       compiled first depends on the order the program runs them in (CI caught it once, 1.1 MB per
 *       50 MLP forward + backward calls); {@link #INLINE_MATH} forces them inline.</li>
 * </ul>
 * These constants are the single source: the JMH benchmarks use them in their {@code @Fork}, and
 * {@code JitFlagsTest} checks that the {@code e3j} launcher, the Maven test JVMs (pom.xml), README.md
 * and docs/kernels.md carry every one of them.
 */
public final class JitFlags {

    /** Without it HotSpot prints one line per CompileCommand on startup (to stdout, where CLI output goes). */
    public static final String QUIET = "-XX:CompileCommand=quiet";
    public static final String DONTINLINE_KERNELS = "-XX:CompileCommand=dontinline,org.e3j.engine.kernels.VectorKernels::*";
    public static final String DONTINLINE_RADIAL = "-XX:CompileCommand=dontinline,org.e3j.engine.kernels.VectorRadial::*";
    public static final String DONTINLINE_EDGE = "-XX:CompileCommand=dontinline,org.e3j.engine.kernels.VectorEdge::*";
    public static final String DONTINLINE_GEMM = "-XX:CompileCommand=dontinline,org.e3j.engine.kernels.VectorGemm::*";
    public static final String DONTINLINE_ACTIVATIONS =
            "-XX:CompileCommand=dontinline,org.e3j.engine.kernels.VectorActivations::*";
    public static final String INLINE_MATH = "-XX:CompileCommand=inline,org.e3j.engine.kernels.VectorMath::*";

    /** All of them, in the order the launcher passes them. */
    public static final List<String> ALL = List.of(QUIET, DONTINLINE_KERNELS, DONTINLINE_RADIAL, DONTINLINE_EDGE,
            DONTINLINE_GEMM, DONTINLINE_ACTIVATIONS, INLINE_MATH);

    private JitFlags() {
    }
}
