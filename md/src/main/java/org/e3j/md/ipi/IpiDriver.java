package org.e3j.md.ipi;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import org.e3j.graph.StructureException;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;
import org.e3j.md.Units;
import org.e3j.md.ipi.IpiException.Reason;

/**
 * The driver (client) side of the i-PI socket protocol: i-PI, or ASE's
 * {@code SocketIOCalculator}, runs the dynamics and sends positions; this class answers with
 * energy, forces and virial from a {@link ForceField}. The equivalent of i-PI's
 * {@code driver.py} and ASE's {@code SocketClient}.
 *
 * <h2>Protocol (as ASE 3.29's {@code ase/calculators/socketio.py} speaks it)</h2>
 * Every message starts with a 12-byte ASCII header padded with spaces; numbers are little-endian
 * int32 and float64, in atomic units (bohr, hartree; converted with ASE's {@link Units#BOHR} and
 * {@link Units#HARTREE}).
 * <ul>
 *   <li>{@code STATUS} → reply {@code NEEDINIT} (before INIT), {@code READY}, or {@code HAVEDATA}
 *       (forces computed and not yet collected).</li>
 *   <li>{@code INIT}: int32 bead index, int32 length, that many bytes (ignored: the structure's
 *       species come from the template given to {@link #run}).</li>
 *   <li>{@code POSDATA}: 9 float64 of the cell matrix h whose <em>columns</em> are the lattice
 *       vectors (ASE sends {@code cell.T}), so {@code cell[i][j] = wire[3 j + i]}; 9 float64 of the
 *       inverse (ignored, checked finite); int32 N; 3N float64 positions. The forces are computed
 *       at once, so the next STATUS says HAVEDATA.</li>
 *   <li>{@code GETFORCE} → {@code FORCEREADY}, float64 energy, int32 N, 3N float64 forces,
 *       9 float64 virial (sent transposed, as ASE, though ours is symmetric), int32 length and
 *       the extra string (UTF-8).</li>
 *   <li>{@code EXIT}: {@link #run} returns.</li>
 * </ul>
 * The virial is {@code −V σ = −dE/dε} (ASE's {@code SocketClient}: {@code virial = −volume ×
 * stress}); it is zero for a non-periodic template (stress not computed), as ASE does.
 *
 * <h2>Robustness</h2>
 * Unknown headers, an atom count other than the template's, absurd INIT lengths, non-finite
 * numbers, a singular or zero cell for a periodic structure (the first one too) and out-of-order
 * messages (GETFORCE without new POSDATA, POSDATA or INIT while forces wait) each raise an
 * {@link IpiException} naming the field; POSDATA without a prior INIT is accepted (INIT carries
 * nothing the driver needs). A peer that closes mid-message raises {@link Reason#DISCONNECTED}; a
 * peer that goes silent mid-message (a header included, once its first byte came) for longer than
 * {@link Options#ioTimeout()}, or between messages for longer than {@link Options#idleTimeout()},
 * raises {@link Reason#TIMEOUT}. A server that closes the
 * connection between messages ends the run normally (ASE's server closes without sending EXIT)
 * unless {@link Options#strictExit()}. A non-finite energy or force from the force field raises
 * an {@link MdException} naming the evaluation and the atom instead of sending NaN.
 *
 * <p>Steady state allocates nothing in the protocol code: buffers are sized for the template once.
 * Not thread-safe; one driver per connection.
 */
public final class IpiDriver implements Closeable {

    /**
     * @param connectTimeout how long to keep trying to connect (the server may start late)
     * @param ioTimeout      longest silence inside a message, or while sending
     * @param idleTimeout    longest wait for the next message (the server may be busy); zero = forever
     * @param maxInitBytes   cap on the INIT string length
     * @param strictExit     treat a close without EXIT as an error
     * @param extras         the extra string sent with every FORCEREADY (UTF-8; i-PI reads JSON there)
     */
    public record Options(Duration connectTimeout, Duration ioTimeout, Duration idleTimeout, int maxInitBytes,
            boolean strictExit, String extras) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(30), Duration.ofSeconds(60),
                Duration.ofHours(1), 1 << 20, false, "");

        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(ioTimeout, "ioTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(extras, "extras");
            if (connectTimeout.isNegative() || ioTimeout.isNegative() || idleTimeout.isNegative()) {
                throw new IllegalArgumentException("timeouts must not be negative");
            }
            if (maxInitBytes < 0) {
                throw new IllegalArgumentException("maxInitBytes must be >= 0");
            }
        }

        public Options withTimeouts(Duration connect, Duration io, Duration idle) {
            return new Options(connect, io, idle, maxInitBytes, strictExit, extras);
        }

        public Options withStrictExit(boolean strict) {
            return new Options(connectTimeout, ioTimeout, idleTimeout, maxInitBytes, strict, extras);
        }

        public Options withExtras(String s) {
            return new Options(connectTimeout, ioTimeout, idleTimeout, maxInitBytes, strictExit, s);
        }
    }

    /** How a run ended. */
    public enum End {
        /** The server sent EXIT. */
        EXIT,
        /** The server closed the connection between messages. */
        PEER_CLOSED
    }

    /** The outcome of {@link #run}: how it ended and how many force evaluations it served. */
    public record Summary(End end, long evaluations) {}

    private enum State {
        NEEDINIT, READY, HAVEDATA
    }

    private final IpiChannel channel;
    private final Options options;
    private final byte[] extras;
    private State state = State.NEEDINIT;
    private long evaluations;

    private IpiDriver(IpiChannel channel, Options options) {
        this.channel = channel;
        this.options = options;
        this.extras = options.extras().getBytes(StandardCharsets.UTF_8);
    }

    /** Connects to a server (retrying for up to {@code options.connectTimeout()}). */
    public static IpiDriver connect(IpiAddress address, Options options) {
        Options o = options == null ? Options.DEFAULT : options;
        return new IpiDriver(IpiChannel.connect(address, o.connectTimeout()), o);
    }

    /**
     * Serves force evaluations until EXIT (or a clean close by the server). {@code system} is the
     * template: its atomic numbers, masses and periodic flags are used, its positions and (when
     * periodic) cell are overwritten by every POSDATA; its velocities are not touched.
     *
     * <p>A template <em>without a cell</em> (an extended-XYZ file with no {@code Lattice}) says
     * nothing about periodicity, while the server always sends a cell: then the server's cell is
     * used, periodic in all three directions (i-PI's systems are always periodic), as soon as it
     * has a volume; a zero or singular cell (ASE's {@code SocketIOCalculator} with a cell-less
     * molecule) keeps the structure an isolated cluster. The template itself then keeps its
     * positions only (the periodic copy is internal). A template with a cell but pbc {@code F F F}
     * is an explicit cluster and ignores the server's cell.
     */
    public Summary run(AtomsSystem system, ForceField ff) {
        try {
            return serve(system, ff);
        } catch (IpiException e) {
            throw e.withContext("driver state " + state + ", " + evaluations + " evaluations served");
        }
    }

    private Summary serve(AtomsSystem template, ForceField ff) {
        final int n = template.numAtoms();
        final boolean cellFromServer = !template.hasCell() && !template.isPeriodic();
        AtomsSystem system = template;
        boolean periodic = system.isPeriodic();
        double[] pos = system.positions();
        final double[] cell = new double[9];
        boolean cellSet = false;
        final double[] newCell = new double[9];
        final ByteBuffer head = direct(9 * 8 * 2 + 4);
        final ByteBuffer posBuf = direct(24L * n);
        final ByteBuffer initHead = direct(8);
        final ByteBuffer reply = direct(12 + 8 + 4 + 24L * n + 72 + 4 + extras.length);
        final ByteBuffer status = direct(12);
        final ForceResult out = new ForceResult(n);
        out.request(ForceResult.ENERGY | ForceResult.FORCES | (periodic ? ForceResult.STRESS : 0));
        final Duration io = options.ioTimeout();
        state = State.NEEDINIT;
        evaluations = 0;
        while (true) {
            IpiMessage m = channel.readHeader(options.idleTimeout(), options.ioTimeout());
            if (m == null) {
                if (options.strictExit()) {
                    throw new IpiException(Reason.DISCONNECTED, "server closed the connection without EXIT after "
                            + evaluations + " evaluations");
                }
                return new Summary(End.PEER_CLOSED, evaluations);
            }
            switch (m) {
                case STATUS -> {
                    status.clear();
                    status.put(switch (state) {
                        case NEEDINIT -> IpiMessage.NEEDINIT.padded;
                        case READY -> IpiMessage.READY.padded;
                        case HAVEDATA -> IpiMessage.HAVEDATA.padded;
                    });
                    status.flip();
                    channel.writeFully(status, io, "the STATUS reply");
                }
                case INIT -> {
                    if (state == State.HAVEDATA) {
                        throw new IpiException(Reason.PROTOCOL, "INIT while forces are waiting for GETFORCE");
                    }
                    initHead.clear();
                    channel.readFully(initHead, io, "INIT (bead index and length)");
                    int bead = initHead.getInt(0);
                    int len = initHead.getInt(4);
                    if (len < 0 || len > options.maxInitBytes()) {
                        throw new IpiException(Reason.MALFORMED, "INIT string length " + len + " (bead " + bead
                                + ") is outside 0.." + options.maxInitBytes());
                    }
                    skip(len, io);
                    state = State.READY;
                }
                case POSDATA -> {
                    if (state == State.HAVEDATA) {
                        throw new IpiException(Reason.PROTOCOL, "POSDATA while forces are waiting for GETFORCE");
                    }
                    head.clear();
                    channel.readFully(head, io, "POSDATA cell, inverse cell and atom count");
                    for (int k = 0; k < 18; k++) {
                        double x = head.getDouble(8 * k);
                        if (!Double.isFinite(x)) {
                            throw new IpiException(Reason.MALFORMED, "POSDATA " + (k < 9 ? "cell" : "inverse cell")
                                    + " entry " + (k % 9) + " is " + x);
                        }
                    }
                    int nat = head.getInt(144);
                    if (nat != n) {
                        throw new IpiException(Reason.MALFORMED, "POSDATA has " + nat + " atoms but the driver's"
                                + " structure has " + n + (nat <= 0 ? " (an impossible count)" : ""));
                    }
                    posBuf.clear();
                    channel.readFully(posBuf, io, "POSDATA positions");
                    for (int k = 0; k < 3 * n; k++) {
                        double x = posBuf.getDouble(8 * k);
                        if (!Double.isFinite(x)) {
                            throw new IpiException(Reason.MALFORMED, "POSDATA position of atom " + k / 3 + " ("
                                    + system.symbol(k / 3) + ") " + "xyz".charAt(k % 3) + " = " + x);
                        }
                        pos[k] = x * Units.BOHR;
                    }
                    if (cellFromServer && !periodic && serverCellHasVolume(head)) {
                        system = periodicCopy(template, pos, head);
                        periodic = true;
                        pos = system.positions();
                        out.request(ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS);
                        cellSet = false;
                    }
                    if (periodic) {
                        for (int i = 0; i < 3; i++) {
                            for (int j = 0; j < 3; j++) {
                                newCell[3 * i + j] = head.getDouble(8 * (3 * j + i)) * Units.BOHR;
                            }
                        }
                        // the first cell is always checked (a zero cell is refused, even where the template had one)
                        if (!cellSet || !Arrays.equals(newCell, cell)) {
                            try {
                                system.setCell(newCell, false);
                            } catch (StructureException e) {
                                throw new IpiException(Reason.MALFORMED, "POSDATA cell is unusable: " + e.getMessage(),
                                        e);
                            }
                            System.arraycopy(newCell, 0, cell, 0, 9);
                            cellSet = true;
                        }
                    }
                    ff.compute(system, out);
                    checkResult(system, out, evaluations);
                    fillReply(reply, out, n, periodic ? system.volume() : 0);
                    evaluations++;
                    state = State.HAVEDATA;
                }
                case GETFORCE -> {
                    if (state != State.HAVEDATA) {
                        throw new IpiException(Reason.PROTOCOL, evaluations == 0 ? "GETFORCE before any POSDATA"
                                : "GETFORCE without a new POSDATA (its forces were sent already)");
                    }
                    reply.rewind();
                    channel.writeFully(reply, io, "FORCEREADY");
                    state = State.READY;
                }
                case EXIT -> {
                    return new Summary(End.EXIT, evaluations);
                }
                default -> throw new IpiException(Reason.PROTOCOL, "unexpected " + m + " from the server (a driver"
                        + " message; is the peer another driver?)");
            }
        }
    }

    /** Whether the POSDATA cell (wire = h, columns are lattice vectors, bohr) spans a volume. */
    private static boolean serverCellHasVolume(ByteBuffer head) {
        double[] h = new double[9];
        double scale = 0;
        for (int k = 0; k < 9; k++) {
            h[k] = head.getDouble(8 * k);
            scale = Math.max(scale, Math.abs(h[k]));
        }
        double det = IpiServer.det(h);
        return scale > 0 && Math.abs(det) > 1e-9 * scale * scale * scale;
    }

    /** The template's atoms with the positions just received, in the server's cell, periodic in x, y, z. */
    private static AtomsSystem periodicCopy(AtomsSystem template, double[] positions, ByteBuffer head) {
        double[] cell = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                cell[3 * i + j] = head.getDouble(8 * (3 * j + i)) * Units.BOHR;
            }
        }
        try {
            return new AtomsSystem(template.numbers(), positions, template.velocities(), template.masses(), cell,
                    new boolean[] {true, true, true});
        } catch (StructureException e) {
            throw new IpiException(Reason.MALFORMED, "POSDATA cell is unusable: " + e.getMessage(), e);
        }
    }

    private void checkResult(AtomsSystem system, ForceResult out, long evaluation) {
        double e = out.energy();
        if (!Double.isFinite(e)) {
            throw new MdException("force field returned energy " + e + " for i-PI evaluation " + evaluation,
                    evaluation, -1);
        }
        double[] f = out.forces();
        for (int k = 0, m = 3 * system.numAtoms(); k < m; k++) {
            if (!Double.isFinite(f[k])) {
                throw new MdException("force field returned a non-finite force on atom " + k / 3 + " ("
                        + system.symbol(k / 3) + ") for i-PI evaluation " + evaluation, evaluation, k / 3);
            }
        }
    }

    /** FORCEREADY, energy, N, forces, virial (transposed on the wire), extras; atomic units. */
    private void fillReply(ByteBuffer b, ForceResult out, int n, double volume) {
        b.clear();
        b.put(IpiMessage.FORCEREADY.padded);
        b.putDouble(out.energy() / Units.HARTREE);
        b.putInt(n);
        double[] f = out.forces();
        double fc = Units.BOHR / Units.HARTREE;
        for (int k = 0; k < 3 * n; k++) {
            b.putDouble(f[k] * fc);
        }
        if (out.has(ForceResult.STRESS) && volume > 0) {
            double[] s = out.stress(); // xx yy zz yz xz xy
            double c = -volume / Units.HARTREE;
            // virial[i][j] = -V stress[i][j]; wire holds virial.T row-major (symmetric here)
            b.putDouble(c * s[0]).putDouble(c * s[5]).putDouble(c * s[4]);
            b.putDouble(c * s[5]).putDouble(c * s[1]).putDouble(c * s[3]);
            b.putDouble(c * s[4]).putDouble(c * s[3]).putDouble(c * s[2]);
        } else {
            for (int k = 0; k < 9; k++) {
                b.putDouble(0.0);
            }
        }
        b.putInt(extras.length);
        b.put(extras);
        b.flip();
    }

    private final ByteBuffer skipBuf = direct(4096);

    private void skip(int len, Duration io) {
        int left = len;
        while (left > 0) {
            skipBuf.clear();
            skipBuf.limit(Math.min(left, skipBuf.capacity()));
            channel.readFully(skipBuf, io, "INIT string");
            left -= skipBuf.limit();
        }
    }

    static ByteBuffer direct(long size) {
        if (size > Integer.MAX_VALUE - 64) {
            throw new IpiException(Reason.MALFORMED, "message of " + size + " bytes is too large");
        }
        return ByteBuffer.allocateDirect((int) size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        channel.close();
    }
}
