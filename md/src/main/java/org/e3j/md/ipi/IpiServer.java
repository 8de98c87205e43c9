package org.e3j.md.ipi;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Objects;
import org.e3j.md.ForceResult;
import org.e3j.md.Units;
import org.e3j.md.ipi.IpiException.Reason;

/**
 * The server side of the i-PI protocol, as ASE's {@code SocketServer}: it owns the positions,
 * sends them to a connected driver and collects energy, forces and virial.
 *
 * <p>Why it exists: the Java tests drive {@link IpiDriver} end to end without Python, and a JVM
 * simulation can use any i-PI driver (another code, a Python model) as a {@code ForceField} through
 * {@link IpiForceField}. One driver, one bead; the sequence per evaluation is ASE's:
 * STATUS (→ INIT if NEEDINIT, STATUS), POSDATA, STATUS (must be HAVEDATA), GETFORCE → FORCEREADY.
 * Every read has a deadline ({@link Options}), every count is checked before it sizes anything.
 * Not thread-safe.
 */
public final class IpiServer implements Closeable {

    /**
     * @param acceptTimeout  how long {@link #accept()} waits for a driver (zero = forever)
     * @param ioTimeout      longest silence inside a message
     * @param computeTimeout how long the driver may take to compute (the STATUS reply after POSDATA)
     * @param maxExtraBytes  cap on the extra string of FORCEREADY
     */
    public record Options(Duration acceptTimeout, Duration ioTimeout, Duration computeTimeout, int maxExtraBytes) {
        public static final Options DEFAULT = new Options(Duration.ofMinutes(5), Duration.ofSeconds(60),
                Duration.ofHours(1), 1 << 24);

        public Options {
            Objects.requireNonNull(acceptTimeout, "acceptTimeout");
            Objects.requireNonNull(ioTimeout, "ioTimeout");
            Objects.requireNonNull(computeTimeout, "computeTimeout");
            if (maxExtraBytes < 0) {
                throw new IllegalArgumentException("maxExtraBytes must be >= 0");
            }
        }
    }

    private final ServerSocketChannel server;
    private final IpiAddress address;
    private final Options options;
    private IpiChannel channel;
    private boolean needInitSent;

    private final ByteBuffer head = IpiDriver.direct(12);
    private final ByteBuffer small = IpiDriver.direct(160);
    private ByteBuffer big = IpiDriver.direct(0);
    private final byte[] headerBytes = new byte[12];
    private final double[] virial = new double[9];
    private String extras = "";

    private IpiServer(ServerSocketChannel server, IpiAddress address, Options options) {
        this.server = server;
        this.address = address;
        this.options = options;
    }

    /**
     * Listens on {@code address}; for TCP, port 0 picks a free port ({@link #address()} tells which).
     * A UNIX socket file must not exist yet (it is deleted on {@link #close()}).
     */
    public static IpiServer bind(IpiAddress address, Options options) {
        Options o = options == null ? Options.DEFAULT : options;
        ServerSocketChannel s = null;
        try {
            if (address.isUnix()) {
                if (Files.exists(address.unixPath())) {
                    throw new IpiException(Reason.CONNECT, "socket file " + address.unixPath()
                            + " already exists (another server, or a stale file to delete)");
                }
                s = ServerSocketChannel.open(address.family());
                s.bind(address.socketAddress(), 1);
                return new IpiServer(s, address, o);
            }
            s = ServerSocketChannel.open();
            s.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(address.socketAddress(), 1);
            int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
            return new IpiServer(s, IpiAddress.tcp(address.host(), port), o);
        } catch (IOException e) {
            IpiChannel.closeQuietly(s);
            throw new IpiException(Reason.CONNECT, "cannot listen on " + address + ": " + e, e);
        } catch (RuntimeException e) { // a host that does not resolve: the channel is closed too
            IpiChannel.closeQuietly(s);
            throw e;
        }
    }

    /** The address drivers connect to. */
    public IpiAddress address() {
        return address;
    }

    /** Waits for one driver to connect (up to the accept timeout). */
    public void accept() {
        if (channel != null) {
            throw new IllegalStateException("a driver is already connected");
        }
        try {
            server.configureBlocking(false);
            try (Selector sel = Selector.open()) {
                server.register(sel, SelectionKey.OP_ACCEPT);
                long deadline = IpiChannel.deadline(options.acceptTimeout());
                while (true) {
                    SocketChannel c = server.accept();
                    if (c != null) {
                        channel = new IpiChannel(c);
                        needInitSent = false;
                        return;
                    }
                    long left = IpiChannel.millisLeft(deadline);
                    if (left <= 0) {
                        throw new IpiException(Reason.TIMEOUT, "no driver connected to " + address + " within "
                                + options.acceptTimeout().toMillis() + " ms");
                    }
                    sel.select(left);
                    sel.selectedKeys().clear();
                }
            }
        } catch (IOException e) {
            throw new IpiException(Reason.CONNECT, "accepting a driver on " + address + ": " + e, e);
        }
    }

    public boolean connected() {
        return channel != null;
    }

    private IpiChannel ch() {
        if (channel == null) {
            accept();
        }
        return channel;
    }

    private void send(IpiMessage m) {
        head.clear();
        head.put(m.padded).flip();
        ch().writeFully(head, options.ioTimeout(), m.name());
    }

    private IpiMessage status(Duration timeout) {
        send(IpiMessage.STATUS);
        IpiMessage r = channel.readHeader(timeout);
        if (r == null) {
            throw new IpiException(Reason.DISCONNECTED, "driver closed the connection instead of answering STATUS");
        }
        return r;
    }

    /**
     * One evaluation: sends the cell (9 values row-major, rows are lattice vectors, Å) and
     * positions (3n, Å), fills {@code out} with energy (eV) and forces (eV/Å), and, if
     * {@code periodic} and the cell has a volume, the stress {@code −virial/V}, its off-diagonal
     * entries taken from the triangle i-PI reads (the wire's entries 1, 2, 5: the only ones LAMMPS's
     * {@code fix ipi} fills; a symmetric virial gives the same either way). The virial of the last
     * call, as received, is {@link #virial()}.
     */
    public void calculate(double[] cell, double[] positions, int n, boolean periodic, ForceResult out) {
        if (n < 1 || positions.length < 3L * n || cell.length != 9) {
            throw new IllegalArgumentException("need 9 cell values and 3n positions for n >= 1");
        }
        try {
            exchange(cell, positions, n, periodic, out);
        } catch (IpiException e) {
            throw e.withContext("server " + phase + ", evaluation " + evaluations);
        }
        evaluations++;
    }

    private String phase = "idle";
    private long evaluations;

    private void exchange(double[] cell, double[] positions, int n, boolean periodic, ForceResult out) {
        phase = "waiting for the reply to STATUS";
        IpiMessage s = status(options.ioTimeout());
        if (s == IpiMessage.NEEDINIT) {
            small.clear();
            small.put(IpiMessage.INIT.padded).putInt(0).putInt(1).put((byte) 0).flip();
            channel.writeFully(small, options.ioTimeout(), "INIT");
            phase = "waiting for the reply to STATUS after INIT";
            s = status(options.ioTimeout());
        }
        if (s != IpiMessage.READY) {
            throw new IpiException(Reason.PROTOCOL, "driver answered STATUS with " + s + ", expected READY");
        }
        ensureBig(24L * n);
        phase = "sending POSDATA";
        small.clear();
        small.put(IpiMessage.POSDATA.padded);
        for (int r = 0; r < 3; r++) { // h = cell.T, row-major
            for (int c = 0; c < 3; c++) {
                small.putDouble(cell[3 * c + r] / Units.BOHR);
            }
        }
        double[] inv = inverseOrZero(cell); // ASE: icell = pinv(cell).T, sent as icell.T = pinv(cell)
        for (int k = 0; k < 9; k++) {
            small.putDouble(inv[k] * Units.BOHR);
        }
        small.putInt(n).flip();
        channel.writeFully(small, options.ioTimeout(), "POSDATA header");
        big.clear();
        for (int k = 0; k < 3 * n; k++) {
            big.putDouble(positions[k] / Units.BOHR);
        }
        big.flip();
        channel.writeFully(big, options.ioTimeout(), "POSDATA positions");
        phase = "waiting for the reply to STATUS after POSDATA (the driver computes)";
        s = status(options.computeTimeout());
        if (s != IpiMessage.HAVEDATA) {
            throw new IpiException(Reason.PROTOCOL, "driver answered STATUS after POSDATA with " + s
                    + ", expected HAVEDATA");
        }
        phase = "collecting FORCEREADY";
        send(IpiMessage.GETFORCE);
        IpiMessage r = channel.readHeader(options.ioTimeout());
        if (r != IpiMessage.FORCEREADY) {
            throw new IpiException(r == null ? Reason.DISCONNECTED : Reason.PROTOCOL,
                    "driver answered GETFORCE with " + (r == null ? "a closed connection" : r.toString())
                            + ", expected FORCEREADY");
        }
        small.clear().limit(12);
        channel.readFully(small, options.ioTimeout(), "FORCEREADY energy and atom count");
        double energy = small.getDouble(0);
        int nat = small.getInt(8);
        if (nat != n) {
            throw new IpiException(Reason.MALFORMED, "FORCEREADY has " + nat + " atoms, expected " + n);
        }
        big.clear().limit(24 * n);
        channel.readFully(big, options.ioTimeout(), "FORCEREADY forces of " + n + " atoms");
        small.clear().limit(76);
        channel.readFully(small, options.ioTimeout(), "FORCEREADY virial and extra length");
        int more = small.getInt(72);
        if (more < 0 || more > options.maxExtraBytes()) {
            throw new IpiException(Reason.MALFORMED, "FORCEREADY extra string length " + more + " is outside 0.."
                    + options.maxExtraBytes());
        }
        byte[] extra = new byte[more];
        if (more > 0) {
            ByteBuffer eb = ByteBuffer.wrap(extra);
            channel.readFully(eb, options.ioTimeout(), "FORCEREADY extra string (" + more + " bytes)");
        }
        extras = new String(extra, StandardCharsets.UTF_8);
        // finite on the wire is not enough: the conversion to eV (x 27.2) can overflow
        if (!Double.isFinite(energy * Units.HARTREE)) {
            throw new IpiException(Reason.MALFORMED, "FORCEREADY energy is " + energy + " hartree");
        }
        out.prepare(n);
        out.setEnergy(energy * Units.HARTREE);
        double fc = Units.HARTREE / Units.BOHR;
        double[] f = out.forces();
        for (int k = 0; k < 3 * n; k++) {
            double x = big.getDouble(8 * k);
            if (!Double.isFinite(x * fc)) {
                throw new IpiException(Reason.MALFORMED, "FORCEREADY force on atom " + k / 3 + " " + "xyz".charAt(k % 3)
                        + " is " + x);
            }
            f[k] = x * fc;
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double x = small.getDouble(8 * (3 * j + i)); // wire holds virial.T
                if (!Double.isFinite(x * Units.HARTREE)) {
                    throw new IpiException(Reason.MALFORMED, "FORCEREADY virial entry " + (3 * i + j) + " is " + x);
                }
                virial[3 * i + j] = x * Units.HARTREE;
            }
        }
        int got = ForceResult.ENERGY | ForceResult.FORCES;
        double volume = Math.abs(det(cell));
        if (periodic && volume > 0) {
            double[] st = out.stress();
            st[0] = -virial[0] / volume;
            st[1] = -virial[4] / volume;
            st[2] = -virial[8] / volume;
            // Off-diagonals from the wire's upper triangle (entries 1, 2, 5 = virial[3], [6], [7]),
            // as i-PI reads them: LAMMPS's fix ipi fills only that triangle and leaves zeros in the
            // other, so averaging both (ASE's SocketIOCalculator) would halve every shear stress.
            st[3] = -virial[7] / volume;
            st[4] = -virial[6] / volume;
            st[5] = -virial[3] / volume;
            for (int k = 0; k < 6; k++) {
                if (!Double.isFinite(st[k])) {
                    throw new IpiException(Reason.MALFORMED, "FORCEREADY virial " + java.util.Arrays.toString(virial)
                            + " eV gives a non-finite stress over the volume " + volume + " Å^3");
                }
            }
            got |= ForceResult.STRESS;
        }
        out.markAvailable(got);
    }

    /** The virial of the last evaluation, eV, 9 values row-major (−V σ for the driver's stress σ). */
    public double[] virial() {
        return virial.clone();
    }

    /** The extra string of the last FORCEREADY. */
    public String extras() {
        return extras;
    }

    /** Sends EXIT: the driver stops. */
    public void sendExit() {
        send(IpiMessage.EXIT);
    }

    private void ensureBig(long bytes) {
        if (big.capacity() < bytes) {
            big = IpiDriver.direct(Math.max(bytes, big.capacity() + (long) big.capacity() / 2));
        }
    }

    static double det(double[] a) {
        return a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6])
                + a[2] * (a[3] * a[7] - a[4] * a[6]);
    }

    private static double[] inverseOrZero(double[] a) {
        double d = det(a);
        double[] r = new double[9];
        if (!(Math.abs(d) > 0) || !Double.isFinite(d)) {
            return r;
        }
        r[0] = (a[4] * a[8] - a[5] * a[7]) / d;
        r[1] = (a[2] * a[7] - a[1] * a[8]) / d;
        r[2] = (a[1] * a[5] - a[2] * a[4]) / d;
        r[3] = (a[5] * a[6] - a[3] * a[8]) / d;
        r[4] = (a[0] * a[8] - a[2] * a[6]) / d;
        r[5] = (a[2] * a[3] - a[0] * a[5]) / d;
        r[6] = (a[3] * a[7] - a[4] * a[6]) / d;
        r[7] = (a[1] * a[6] - a[0] * a[7]) / d;
        r[8] = (a[0] * a[4] - a[1] * a[3]) / d;
        return r;
    }

    /** Closes the connection and the listening socket (and deletes a UNIX socket file). */
    @Override
    public void close() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        IpiChannel.closeQuietly(server);
        if (address.isUnix()) {
            try {
                Files.deleteIfExists(address.unixPath());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
