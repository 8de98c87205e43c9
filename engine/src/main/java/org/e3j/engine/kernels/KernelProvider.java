package org.e3j.engine.kernels;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;
import org.e3j.engine.E3jException;

/**
 * Picks the {@link Kernels} implementation once per JVM, in the manner of Lucene's
 * VectorizationProvider: the vector kernels when they can run fast.
 *
 * <p>{@code -De3j.kernels=auto|vector|scalar} (default {@code auto}). {@code scalar} always picks the
 * scalar kernels (logged at DEBUG); {@code vector} insists on the vector kernels even when the JIT
 * looks unsuitable (-Xint, C1 only).
 *
 * <p>A JVM started without {@code --add-modules jdk.incubator.vector} is a configuration mistake
 * that costs a factor of ~5 and is easy to miss, so {@link #get()} <em>refuses</em> it with an
 * {@link E3jException} that says how to fix it, unless {@code -De3j.kernels=scalar} asks for the
 * scalar kernels. The other reasons to fall back (the JIT is off or C1 only, a CPU with fewer than
 * 4 float lanes, the vector kernels fail to link) fall back to the scalar twin with one warning
 * printed on stderr (not logged: a logging set-up must not hide it), once per JVM. VectorKernels is touched only after a module check
 * and inside a {@link LinkageError} catch, so this class loads and works on a JVM started without
 * the module.
 */
public final class KernelProvider {

    /** System property choosing the implementation: {@code auto} (default), {@code vector}, {@code scalar}. */
    public static final String PROPERTY = "e3j.kernels";

    private static final Logger LOG = System.getLogger(KernelProvider.class.getName());

    /** The kernels of this JVM, or null when {@link #REFUSAL} says why there are none. */
    private static final Kernels INSTANCE;
    private static final String REFUSAL;

    static {
        String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        String missing = unavailableReason();
        if (missing != null && !wanted.equals("scalar")) {
            INSTANCE = null;
            REFUSAL = "e3j's fast engine needs the Vector API, but " + missing + " (JVM flag), or, to run the "
                    + "scalar kernels (about 5 times slower) on purpose, -D" + PROPERTY + "=scalar";
        } else {
            INSTANCE = choose(wanted);
            REFUSAL = null;
        }
    }

    private KernelProvider() {}

    /**
     * The kernels of this JVM, chosen once.
     *
     * @throws E3jException if the jdk.incubator.vector module is absent and {@code -De3j.kernels=scalar}
     *     was not given (the message says how to fix it)
     */
    public static Kernels get() {
        if (INSTANCE == null) {
            throw new E3jException(REFUSAL);
        }
        return INSTANCE;
    }

    /** The scalar twin (always available). */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /**
     * The vector kernels if the jdk.incubator.vector module is present and they load, whatever
     * {@link #get()} chose (for tests and benchmarks that compare both); empty otherwise.
     */
    public static Optional<Kernels> vector() {
        if (unavailableReason() != null) {
            return Optional.empty();
        }
        try {
            return Optional.of(loadVector());
        } catch (LinkageError e) {
            return Optional.empty();
        }
    }

    /** Why the vector kernels cannot be loaded at all, or null when they can. */
    static String unavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the jdk.incubator.vector module is not present; start the JVM with "
                    + "--add-modules jdk.incubator.vector";
        }
        return null;
    }

    /** In its own method so a LinkageError from loading VectorKernels is catchable by the caller. */
    private static Kernels loadVector() {
        return VectorKernels.INSTANCE;
    }

    private static Kernels choose(String wanted) {
        if (wanted.equals("scalar")) {
            LOG.log(Level.DEBUG, "e3j kernels: scalar (requested by -D" + PROPERTY + "=scalar)");
            return ScalarKernels.INSTANCE;
        }
        String why = unavailableReason();
        if (why == null && !wanted.equals("vector")) {
            why = slowJitReason();
        }
        Kernels vector = null;
        if (why == null) {
            try {
                vector = loadVector();
                if (vector.vectorLanes() < 4) {
                    why = "the CPU's preferred float vector has only " + vector.vectorLanes() + " lanes";
                    vector = null;
                }
            } catch (LinkageError e) {
                why = "the vector kernels failed to load (" + e + ")";
            }
        }
        if (vector == null) {
            String note = wanted.equals("auto") || wanted.equals("vector") ? ""
                    : " (unknown value -D" + PROPERTY + "=" + wanted + " treated as auto)";
            String warning = "e3j kernels: falling back to the scalar kernels, which are several times "
                    + "slower, because " + why + note + ".";
            // On stderr, not through a logger: a logging set-up that hides WARNINGs must not hide a 5x slow-down.
            System.err.println("WARNING: " + warning);
            return ScalarKernels.INSTANCE;
        }
        LOG.log(Level.DEBUG, "e3j kernels: " + vector.name() + " (jdk.incubator.vector, "
                + vector.vectorLanes() + " float lanes)");
        return vector;
    }

    /**
     * The Vector API is only fast once C2 compiles it; under -Xint or a C1-only JIT it is far slower
     * than plain loops. Reads the VM flags through the management bean when java.management is
     * present; returns null when the JIT looks fine or cannot be inspected.
     */
    private static String slowJitReason() {
        try {
            if (ModuleLayer.boot().findModule("jdk.management").isEmpty()) {
                return null;
            }
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (bean == null) {
                return null;
            }
            if ("false".equals(bean.getVMOption("UseCompiler").getValue())) {
                return "the JIT compiler is disabled (-Xint)";
            }
            int level = Integer.parseInt(bean.getVMOption("TieredStopAtLevel").getValue());
            if (level < 4 && "true".equals(bean.getVMOption("TieredCompilation").getValue())) {
                return "C2 is disabled (-XX:TieredStopAtLevel=" + level + ")";
            }
            return null;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
