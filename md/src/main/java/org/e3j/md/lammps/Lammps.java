package org.e3j.md.lammps;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * One LAMMPS instance in this process, through LAMMPS's C library interface ({@code liblammps},
 * Debian package {@code liblammps0}) and the Java FFM API: no sockets, no copies of the atoms
 * beyond the ones the force field needs.
 *
 * <p>Only the calls e3j needs are bound: open/close, commands, box, per-atom arrays, thermo
 * keywords, the error buffer, and {@code fix external} (callback, global energy and virial). The
 * library is looked up once per JVM: {@code $E3J_LIBLAMMPS} if set, else {@code liblammps.so.0},
 * {@code liblammps.so} by the system's loader rules. Not thread-safe: LAMMPS itself is not.
 */
public final class Lammps implements AutoCloseable {

    /** The C signature of a {@code fix external} pf/callback function (LAMMPS {@code FixExternalFnPtr}). */
    static final FunctionDescriptor CALLBACK = FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS);

    private static final class Native {
        final Linker linker = Linker.nativeLinker();
        final MethodHandle openNoMpi;
        final MethodHandle close;
        final MethodHandle command;
        final MethodHandle commandsString;
        final MethodHandle extractSetting;
        final MethodHandle extractAtom;
        final MethodHandle extractGlobal;
        final MethodHandle extractBox;
        final MethodHandle getThermo;
        final MethodHandle hasError;
        final MethodHandle lastError;
        final MethodHandle setCallback;
        final MethodHandle setEnergy;
        final MethodHandle setVirial;
        final MethodHandle forceTimeout;
        final MethodHandle configHasExceptions;
        final MethodHandle version;
        final String library;

        Native(SymbolLookup lib, String library) {
            this.library = library;
            openNoMpi = fn(lib, "lammps_open_no_mpi", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
            close = fn(lib, "lammps_close", FunctionDescriptor.ofVoid(ADDRESS));
            command = fn(lib, "lammps_command", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
            commandsString = fn(lib, "lammps_commands_string", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
            extractSetting = fn(lib, "lammps_extract_setting", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            extractAtom = fn(lib, "lammps_extract_atom", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
            extractGlobal = fn(lib, "lammps_extract_global", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
            extractBox = fn(lib, "lammps_extract_box", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                    ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            getThermo = fn(lib, "lammps_get_thermo", FunctionDescriptor.of(JAVA_DOUBLE, ADDRESS, ADDRESS));
            hasError = fn(lib, "lammps_has_error", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            lastError = fn(lib, "lammps_get_last_error_message", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                    JAVA_INT));
            setCallback = fn(lib, "lammps_set_fix_external_callback", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS,
                    ADDRESS, ADDRESS));
            setEnergy = fn(lib, "lammps_fix_external_set_energy_global", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS,
                    JAVA_DOUBLE));
            setVirial = fn(lib, "lammps_fix_external_set_virial_global", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS,
                    ADDRESS));
            forceTimeout = fn(lib, "lammps_force_timeout", FunctionDescriptor.ofVoid(ADDRESS));
            configHasExceptions = fn(lib, "lammps_config_has_exceptions", FunctionDescriptor.of(JAVA_INT));
            version = fn(lib, "lammps_version", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        }

        private MethodHandle fn(SymbolLookup lib, String name, FunctionDescriptor d) {
            MemorySegment s = lib.find(name).orElseThrow(() -> new LammpsException(library + " has no symbol " + name
                    + " (a LAMMPS library older than 2021, or not LAMMPS)"));
            return linker.downcallHandle(s, d);
        }
    }

    private static Native nativeLib;
    private static String loadError;

    /** Loads liblammps once; the error message if that failed. */
    private static synchronized Native lib() {
        if (nativeLib != null) {
            return nativeLib;
        }
        if (loadError != null) {
            throw new LammpsException(loadError);
        }
        prepareMpiEnvironment();
        String env = System.getenv("E3J_LIBLAMMPS");
        List<String> candidates = env != null && !env.isBlank() ? List.of(env)
                : List.of("liblammps.so.0", "liblammps.so", "/usr/lib/x86_64-linux-gnu/liblammps.so.0");
        StringBuilder why = new StringBuilder();
        for (String c : candidates) {
            try {
                SymbolLookup l = c.contains("/") ? SymbolLookup.libraryLookup(Path.of(c), Arena.global())
                        : SymbolLookup.libraryLookup(c, Arena.global());
                nativeLib = new Native(l, c);
                return nativeLib;
            } catch (IllegalArgumentException e) {
                why.append(why.isEmpty() ? "" : "; ").append(c).append(": ").append(e.getMessage());
            }
        }
        loadError = "cannot load the LAMMPS library (" + why + "); install it (Debian/Ubuntu: apt-get install "
                + "liblammps0) or set E3J_LIBLAMMPS to the path of liblammps.so";
        throw new LammpsException(loadError);
    }

    /**
     * LAMMPS initialises MPI (Open MPI in Debian), which must not break the JVM:
     * <ul>
     * <li>a singleton start (no mpirun) looks for Open MPI's {@code orted} helper, which Debian ships
     *     in another package (openmpi-bin), and aborts without it; an isolated singleton needs none;</li>
     * <li>Open MPI's UCX transport installs its own SIGSEGV handler, which takes the signals the JVM
     *     uses for null checks and safepoints and kills the process; e3j runs one rank, so the
     *     shared-memory/self transports suffice and UCX's signal handling is switched off.</li>
     * </ul>
     * Set in this process's environment before the library starts, each only if the user has not set it.
     */
    private static void prepareMpiEnvironment() {
        setenvIfUnset("OMPI_MCA_ess_singleton_isolated", "1");
        setenvIfUnset("OMPI_MCA_pml", "ob1");
        setenvIfUnset("OMPI_MCA_btl", "self,vader");
        setenvIfUnset("OMPI_MCA_osc", "^ucx");
        setenvIfUnset("UCX_ERROR_SIGNALS", "");
    }

    private static void setenvIfUnset(String name, String value) {
        if (System.getenv(name) != null) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MemorySegment setenv = linker.defaultLookup().find("setenv").orElse(null);
            if (setenv == null) {
                return;
            }
            MethodHandle h = linker.downcallHandle(setenv, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
            int rc = (int) h.invokeExact(a.allocateFrom(name), a.allocateFrom(value), 0);
        } catch (Throwable t) {
            // best effort: without it, Open MPI reports its own error
        }
    }

    /**
     * Flushes C's stdio buffers (LAMMPS's screen output): when stdout is a pipe, C buffers it in
     * blocks, so without this it would appear after Java's later lines.
     */
    public static void flushNativeOutput() {
        try {
            Linker linker = Linker.nativeLinker();
            MemorySegment fflush = linker.defaultLookup().find("fflush").orElse(null);
            if (fflush != null) {
                MethodHandle h = linker.downcallHandle(fflush, FunctionDescriptor.of(JAVA_INT, ADDRESS));
                int rc = (int) h.invokeExact(MemorySegment.NULL);
            }
        } catch (Throwable t) {
            // best effort: only the order of output lines is at stake
        }
    }

    /** Whether the LAMMPS library can be loaded here (tests skip on developer machines without it). */
    public static boolean available() {
        try {
            lib();
            return true;
        } catch (LammpsException e) {
            return false;
        }
    }

    /** Why {@link #available()} is false, or null. */
    public static String unavailableReason() {
        try {
            lib();
            return null;
        } catch (LammpsException e) {
            return e.getMessage();
        }
    }

    private final Native n;
    private boolean exceptions;
    private final Arena arena = Arena.ofShared();
    private MemorySegment handle;
    private final MemorySegment boxScratch;
    private final MemorySegment boxFlags;

    /**
     * Starts LAMMPS with command-line arguments (for example {@code -log none -screen none}); the
     * program name is added. LAMMPS initialises MPI itself if needed (one rank).
     */
    public Lammps(List<String> args) {
        n = lib();
        try {
            exceptions = (int) n.configHasExceptions.invokeExact() != 0;
            MemorySegment argv = arena.allocate(ADDRESS, args.size() + 2L);
            argv.setAtIndex(ADDRESS, 0, arena.allocateFrom("e3j"));
            for (int i = 0; i < args.size(); i++) {
                argv.setAtIndex(ADDRESS, i + 1, arena.allocateFrom(args.get(i)));
            }
            argv.setAtIndex(ADDRESS, args.size() + 1, MemorySegment.NULL);
            handle = (MemorySegment) n.openNoMpi.invokeExact(args.size() + 1, argv, MemorySegment.NULL);
        } catch (LammpsException e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new LammpsException("starting LAMMPS: " + t, t);
        }
        if (handle == null || handle.equals(MemorySegment.NULL)) {
            arena.close();
            throw new LammpsException("LAMMPS did not start (lammps_open_no_mpi returned NULL; bad arguments "
                    + args + "?)");
        }
        boxScratch = arena.allocate(JAVA_DOUBLE, 12); // reused: box() runs at every step
        boxFlags = arena.allocate(JAVA_INT, 4);
        checkError("starting LAMMPS");
    }

    /**
     * Whether LAMMPS reports its errors to the caller. When false (Debian's build), a LAMMPS error
     * prints LAMMPS's own message to the screen/log and ends this process with status 1.
     */
    public boolean reportsErrors() {
        return exceptions;
    }

    /** The LAMMPS version as a date number, for example 20220106. */
    public int version() {
        try {
            return (int) n.version.invokeExact(handle());
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    /** The shared library in use (its name or path). */
    public static String libraryName() {
        return lib().library;
    }

    MemorySegment handle() {
        if (handle == null) {
            throw new IllegalStateException("LAMMPS instance is closed");
        }
        return handle;
    }

    Arena arena() {
        return arena;
    }

    Linker linker() {
        return n.linker;
    }

    /** Runs one command; a LAMMPS error becomes a {@link LammpsException} with its message. */
    public void command(String cmd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = (MemorySegment) n.command.invokeExact(handle(), a.allocateFrom(cmd));
        } catch (Throwable t) {
            throw wrap(t);
        }
        checkError("command '" + cmd.strip() + "'");
    }

    /** Runs several lines of input ({@code &} continuations and {@code """} strings as in a file). */
    public void commands(String text, String where) {
        try (Arena a = Arena.ofConfined()) {
            n.commandsString.invokeExact(handle(), a.allocateFrom(text));
        } catch (Throwable t) {
            throw wrap(t);
        }
        checkError(where);
    }

    /** An integer setting ({@code nlocal}, {@code ntypes}, {@code triclinic}, ...), -1 if unknown. */
    public int setting(String name) {
        try (Arena a = Arena.ofConfined()) {
            return (int) n.extractSetting.invokeExact(handle(), a.allocateFrom(name));
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    /** The address of a per-atom array ({@code x}, {@code f}, {@code type}, {@code id}), or NULL. */
    public MemorySegment atomArray(String name) {
        try (Arena a = Arena.ofConfined()) {
            return (MemorySegment) n.extractAtom.invokeExact(handle(), a.allocateFrom(name));
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    /** The unit style ({@code metal}, {@code real}, ...), or null if LAMMPS does not say. */
    public String units() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = (MemorySegment) n.extractGlobal.invokeExact(handle(), a.allocateFrom("units"));
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    /** The type of each local atom (1-based LAMMPS types), copied. */
    public int[] types(int nlocal) {
        MemorySegment p = atomArray("type");
        if (p.equals(MemorySegment.NULL)) {
            throw new LammpsException("LAMMPS has no per-atom array 'type'");
        }
        return p.reinterpret(4L * nlocal).toArray(JAVA_INT);
    }

    /** A per-atom 3-vector array ({@code x}, {@code v}, {@code f}) of the local atoms, copied, 3n. */
    public double[] atomVectors(String name, int nlocal) {
        MemorySegment p = atomArray(name);
        if (p.equals(MemorySegment.NULL)) {
            throw new LammpsException("LAMMPS has no per-atom array '" + name + "'");
        }
        return rows(p, nlocal);
    }

    /**
     * A LAMMPS {@code double **} of n rows of 3: LAMMPS allocates such arrays as one contiguous
     * block with a row-pointer table ({@code memory->create}), so the first row pointer is the block.
     */
    static double[] rows(MemorySegment table, int n) {
        if (n == 0) {
            return new double[0];
        }
        MemorySegment first = table.reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);
        return first.reinterpret(24L * n).toArray(JAVA_DOUBLE);
    }

    static MemorySegment block(MemorySegment table, int n) {
        MemorySegment first = table.reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);
        return first.reinterpret(24L * n);
    }

    /**
     * The simulation box: {@code [xlo, ylo, zlo, xhi, yhi, zhi, xy, yz, xz]} and the periodic
     * flags in {@code periodic} (3 values).
     */
    public double[] box(boolean[] periodic) {
        MemorySegment b = boxScratch;
        MemorySegment flags = boxFlags;
        try {
            n.extractBox.invokeExact(handle(), b, b.asSlice(24), b.asSlice(48), b.asSlice(56), b.asSlice(64),
                    flags, flags.asSlice(12));
        } catch (Throwable t) {
            throw wrap(t);
        }
        double[] r = b.asSlice(0, 72).toArray(JAVA_DOUBLE);
        for (int k = 0; k < 3; k++) {
            periodic[k] = flags.getAtIndex(JAVA_INT, k) != 0;
        }
        return r;
    }

    /** A thermo keyword's current value ({@code pe}, {@code press}, {@code pxy}, {@code etotal}, ...). */
    public double thermo(String keyword) {
        try (Arena a = Arena.ofConfined()) {
            return (double) n.getThermo.invokeExact(handle(), a.allocateFrom(keyword));
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    /** Registers {@code callback} (an upcall stub with the {@link #CALLBACK} signature) on a fix external. */
    void setFixExternalCallback(String fixId, MemorySegment callback) {
        try (Arena a = Arena.ofConfined()) {
            n.setCallback.invokeExact(handle(), a.allocateFrom(fixId), callback, MemorySegment.NULL);
        } catch (Throwable t) {
            throw wrap(t);
        }
        checkError("registering the callback of fix " + fixId);
    }

    /** Sets the fix's energy (energy units); call inside the callback. */
    void setFixExternalEnergy(MemorySegment fixId, double energy) {
        try {
            n.setEnergy.invokeExact(handle(), fixId, energy);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    /** Sets the fix's global virial (energy units, xx yy zz xy xz yz); call inside the callback. */
    void setFixExternalVirial(MemorySegment fixId, MemorySegment virial6) {
        try {
            n.setVirial.invokeExact(handle(), fixId, virial6);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    /** Asks the current run to stop at the end of this step (used when a callback fails). */
    void forceTimeout() {
        try {
            n.forceTimeout.invokeExact(handle());
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    /** Throws the pending LAMMPS error, if any, as a {@link LammpsException}. */
    void checkError(String where) {
        try {
            if ((int) n.hasError.invokeExact(handle()) == 0) {
                return;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(2048);
                int kind = (int) n.lastError.invokeExact(handle(), buf, 2048);
                String msg = buf.getString(0).strip();
                if (msg.startsWith("ERROR: ")) {
                    msg = msg.substring(7);
                }
                throw new LammpsException("LAMMPS error in " + where + ": " + msg);
            }
        } catch (LammpsException e) {
            throw e;
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    private static LammpsException wrap(Throwable t) {
        if (t instanceof LammpsException e) {
            return e;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new LammpsException("calling LAMMPS: " + t, t);
    }

    /** Ends the LAMMPS instance (MPI stays initialised: it cannot be re-initialised in one process). */
    @Override
    public void close() {
        if (handle != null) {
            try {
                n.close.invokeExact(handle);
            } catch (Throwable t) {
                throw wrap(t);
            } finally {
                handle = null;
                arena.close();
            }
        }
    }
}
