package org.e3j.md.ipi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.e3j.engine.E3jException;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.LennardJones;
import org.e3j.md.MdRun;
import org.e3j.md.Thermo;
import org.e3j.md.VelocityVerlet;
import org.e3j.md.ipi.IpiException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpiTest {
    @TempDir
    Path dir;

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private static final Duration SHORT = Duration.ofMillis(300);
    private static final IpiDriver.Options FAST = IpiDriver.Options.DEFAULT.withTimeouts(Duration.ofSeconds(5),
            Duration.ofSeconds(5), Duration.ofSeconds(5));

    static final double A = 5.26;
    static final double[] CELL = {2 * A, 0, 0, 0, 2 * A, 0, 0, 0, 2 * A};

    /** 32 argon atoms, periodic, rattled, with velocities. */
    static AtomsSystem argon(long seed) {
        double[][] basis = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
        SplittableRandom rng = new SplittableRandom(seed);
        int[] z = new int[32];
        double[] p = new double[96];
        int k = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int l = 0; l < 2; l++) {
                    for (double[] b : basis) {
                        z[k] = 18;
                        p[3 * k] = (i + b[0]) * A + 0.1 * rng.nextDouble();
                        p[3 * k + 1] = (j + b[1]) * A + 0.1 * rng.nextDouble();
                        p[3 * k + 2] = (l + b[2]) * A + 0.1 * rng.nextDouble();
                        k++;
                    }
                }
            }
        }
        AtomsSystem s = new AtomsSystem(z, p, null, null, CELL, new boolean[] {true, true, true});
        Thermo.maxwellBoltzmann(s, 60, rng, false);
        return s;
    }

    private Path socketPath() {
        return dir.resolve("s" + COUNTER.incrementAndGet());
    }

    private static CompletableFuture<IpiDriver.Summary> startDriver(IpiAddress address, AtomsSystem template,
            ForceField ff, IpiDriver.Options options) {
        CompletableFuture<IpiDriver.Summary> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (IpiDriver d = IpiDriver.connect(address, options)) {
                f.complete(d.run(template, ff));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "ipi-driver");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private void endToEnd(IpiAddress bindAddress) throws Exception {
        AtomsSystem start = argon(3);
        try (IpiServer server = IpiServer.bind(bindAddress, null)) {
            CompletableFuture<IpiDriver.Summary> driver = startDriver(server.address(), start.copy(),
                    LennardJones.argon(), FAST);
            AtomsSystem viaIpi = start.copy();
            AtomsSystem direct = start.copy();
            MdRun a;
            List<double[]> ipiLog = new ArrayList<>();
            List<double[]> directLog = new ArrayList<>();
            try (IpiForceField ff = new IpiForceField(server)) {
                a = new MdRun(viaIpi, ff, new VelocityVerlet(2.0));
                MdRun b = new MdRun(direct, LennardJones.argon(), new VelocityVerlet(2.0));
                a.observeWithStress(1, r -> ipiLog.add(snapshot(r)));
                b.observeWithStress(1, r -> directLog.add(snapshot(r)));
                a.run(8);
                b.run(8);
            } // sends EXIT
            IpiDriver.Summary summary = driver.get(10, TimeUnit.SECONDS);
            assertEquals(IpiDriver.End.EXIT, summary.end());
            assertEquals(9, summary.evaluations());
            assertEquals(directLog.size(), ipiLog.size());
            for (int s = 0; s < ipiLog.size(); s++) {
                double[] x = ipiLog.get(s), y = directLog.get(s);
                assertEquals(y[0], x[0], 1e-12 * Math.abs(y[0]), "energy at step " + s);
                for (int k = 1; k < x.length; k++) {
                    assertEquals(y[k], x[k], 1e-10 * (1 + Math.abs(y[k])), "entry " + k + " at step " + s);
                }
            }
            assertArrayEquals(direct.positions(), viaIpi.positions(), 1e-10);
        }
    }

    /** energy, 3N forces, 6 stress */
    private static double[] snapshot(MdRun r) {
        int n = r.system().numAtoms();
        double[] s = new double[1 + 3 * n + 6];
        s[0] = r.potentialEnergy();
        System.arraycopy(r.result().forces(), 0, s, 1, 3 * n);
        System.arraycopy(r.result().stressCopy(), 0, s, 1 + 3 * n, 6);
        return s;
    }

    @Test
    void javaServerDrivesTheDriverOverAUnixSocketLikeDirectLennardJones() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> endToEnd(IpiAddress.unixPath(socketPath())));
    }

    @Test
    void javaServerDrivesTheDriverOverTcp() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> endToEnd(IpiAddress.localhost(0)));
    }

    @Test
    void nonPeriodicDriverSendsAZeroVirialAndTheExtraString() throws Exception {
        AtomsSystem cluster = new AtomsSystem(argon(4).numbers(), argon(4).positions(), null, null, null, null);
        IpiServer server = IpiServer.bind(IpiAddress.unixPath(socketPath()), null);
        try {
            CompletableFuture<IpiDriver.Summary> driver = startDriver(server.address(), cluster.copy(),
                    LennardJones.argon(), FAST.withExtras("{\"model\": \"lj\"}"));
            ForceResult r = new ForceResult();
            r.request(ForceResult.ALL);
            server.calculate(new double[9], cluster.positions(), cluster.numAtoms(), false, r);
            assertArrayEquals(new double[9], server.virial(), 0);
            assertEquals("{\"model\": \"lj\"}", server.extras());
            assertFalse(r.has(ForceResult.STRESS));
            ForceResult d = new ForceResult();
            LennardJones.argon().compute(cluster, ForceResult.ALL, d);
            assertEquals(d.energy(), r.energy(), 1e-13);
            assertArrayEquals(d.forcesCopy(), r.forcesCopy(), 1e-12);
            server.close(); // no EXIT: ASE's server just closes
            IpiDriver.Summary s = driver.get(10, TimeUnit.SECONDS);
            assertEquals(IpiDriver.End.PEER_CLOSED, s.end());
            assertEquals(1, s.evaluations());
        } finally {
            server.close(); // idempotent
        }
    }

    @Test
    void virialIsMinusVolumeTimesStress() throws Exception {
        AtomsSystem s = argon(5);
        try (IpiServer server = IpiServer.bind(IpiAddress.unixPath(socketPath()), null)) {
            startDriver(server.address(), s.copy(), LennardJones.argon(), FAST);
            ForceResult r = new ForceResult();
            server.calculate(s.cellView(), s.positions(), s.numAtoms(), true, r);
            ForceResult d = new ForceResult();
            LennardJones.argon().compute(s, ForceResult.ALL, d);
            double v = s.volume();
            double[] w = server.virial();
            double[] st = d.stress();
            double[] expect = {st[0], st[5], st[4], st[5], st[1], st[3], st[4], st[3], st[2]};
            for (int k = 0; k < 9; k++) {
                assertEquals(-v * expect[k], w[k], 1e-12, "virial " + k);
            }
            server.sendExit();
        }
    }

    // ---------------------------------------------------------------- the driver against hostile servers

    /**
     * Runs a driver against a scripted server that writes {@code script}, then either closes its
     * side ({@code close}) or stays silent until the driver gives up. Returns the driver's summary
     * or the throwable it ended with.
     */
    private Object drive(byte[] script, boolean close, IpiDriver.Options options) throws Exception {
        Path p = socketPath();
        IpiAddress address = IpiAddress.unixPath(p);
        CountDownLatch done = new CountDownLatch(1);
        try (ServerSocketChannel ss = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ss.bind(address.socketAddress());
            Thread server = new Thread(() -> {
                try (SocketChannel c = ss.accept()) {
                    c.write(ByteBuffer.wrap(script));
                    if (close) {
                        c.shutdownOutput();
                    }
                    ByteBuffer sink = ByteBuffer.allocate(4096);
                    while (c.read(sink) >= 0) { // drain the driver's replies until it hangs up
                        sink.clear();
                    }
                } catch (IOException ignored) {
                    // the driver hung up
                }
                done.countDown();
            }, "scripted-server");
            server.setDaemon(true);
            server.start();
            try (IpiDriver d = IpiDriver.connect(address, options)) {
                return d.run(argon(1), LennardJones.argon());
            } catch (Throwable t) {
                return t;
            } finally {
                // the driver's socket is closed here: the server thread sees EOF and ends
                done.await(5, TimeUnit.SECONDS);
            }
        }
    }

    private IpiException driveExpectingFailure(byte[] script, boolean close, IpiDriver.Options options)
            throws Exception {
        Object o = drive(script, close, options);
        return assertInstanceOf(IpiException.class, o, String.valueOf(o));
    }

    private static Wire session(int evaluations) {
        AtomsSystem s = argon(1);
        Wire w = new Wire().status().init().status();
        for (int k = 0; k < evaluations; k++) {
            double[] p = s.positions().clone();
            p[0] += 0.01 * k;
            w.posdata(CELL, p).status().getforce().status();
        }
        return w.exit();
    }

    @Test
    void aValidScriptedSessionEndsWithExit() throws Exception {
        Object o = drive(session(2).bytes(), true, FAST);
        assertEquals(new IpiDriver.Summary(IpiDriver.End.EXIT, 2), o);
    }

    @Test
    void everyTruncationIsACleanCloseOrAClearDisconnect() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(40), () -> {
            Wire w = session(2);
            byte[] all = w.bytes();
            SplittableRandom rng = new SplittableRandom(17);
            List<Integer> cuts = new ArrayList<>(w.boundaries);
            for (int k = 0; k < 40; k++) {
                cuts.add(rng.nextInt(all.length));
            }
            for (int cut : cuts) {
                Object o = drive(java.util.Arrays.copyOf(all, cut), true, FAST);
                if (cut == 0 || w.boundaries.contains(cut)) {
                    if (cut == all.length) {
                        assertEquals(IpiDriver.End.EXIT, ((IpiDriver.Summary) o).end());
                    } else {
                        assertInstanceOf(IpiDriver.Summary.class, o, "cut at boundary " + cut + ": " + o);
                        assertEquals(IpiDriver.End.PEER_CLOSED, ((IpiDriver.Summary) o).end());
                    }
                } else {
                    IpiException e = assertInstanceOf(IpiException.class, o, "cut " + cut + ": " + o);
                    assertEquals(Reason.DISCONNECTED, e.reason(), e.getMessage());
                    assertTrue(e.getMessage().contains("peer closed the connection after"), e.getMessage());
                }
            }
            // and a strict driver calls even a clean close an error
            IpiException e = driveExpectingFailure(java.util.Arrays.copyOf(all, w.boundaries.get(3)), true,
                    FAST.withStrictExit(true));
            assertEquals(Reason.DISCONNECTED, e.reason());
        });
    }

    @Test
    void randomBytesAndBitFlipsNeverCrashOrHang() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(50), () -> {
            SplittableRandom rng = new SplittableRandom(2024);
            int failures = 0;
            for (int k = 0; k < 60; k++) {
                byte[] junk = new byte[rng.nextInt(1, 300)];
                rng.nextBytes(junk);
                Object o = drive(junk, true, FAST);
                IpiException e = assertInstanceOf(IpiException.class, o, String.valueOf(o));
                if (junk.length < 12) {
                    assertEquals(Reason.DISCONNECTED, e.reason(), e.getMessage());
                } else {
                    assertEquals(Reason.MALFORMED, e.reason(), e.getMessage());
                    assertTrue(e.getMessage().contains("unknown message header"), e.getMessage());
                }
            }
            byte[] valid = session(2).bytes();
            for (int k = 0; k < 150; k++) {
                byte[] b = valid.clone();
                int flips = rng.nextInt(1, 4);
                for (int f = 0; f < flips; f++) {
                    b[rng.nextInt(b.length)] ^= (byte) (1 << rng.nextInt(8));
                }
                Object o = drive(b, true, FAST);
                if (o instanceof Throwable t) {
                    // typed, with a message: an i-PI error, or the structure the bytes described is unusable
                    assertInstanceOf(E3jException.class, t, () -> "untyped failure: " + t);
                    assertTrue(t.getMessage() != null && !t.getMessage().isBlank());
                    if (t instanceof IpiException ie) {
                        assertTrue(ie.reason() != Reason.TIMEOUT, ie.getMessage());
                    }
                    failures++;
                } else {
                    assertInstanceOf(IpiDriver.Summary.class, o);
                }
            }
            assertTrue(failures > 20, "most flips should be caught, got " + failures);
        });
    }

    @Test
    void specificMalformedMessagesAreNamed() throws Exception {
        AtomsSystem s = argon(1);
        double[] p = s.positions();
        // wrong, negative and absurd atom counts: rejected before anything is sized by them
        for (int nat : new int[] {31, -5, Integer.MAX_VALUE}) {
            Wire w = new Wire().status().init().header("POSDATA");
            for (int k = 0; k < 18; k++) {
                w.f64(k % 4 == 0 ? 10 : 0);
            }
            w.i32(nat);
            IpiException e = driveExpectingFailure(w.bytes(), true, FAST);
            assertEquals(Reason.MALFORMED, e.reason());
            assertTrue(e.getMessage().contains("POSDATA has " + nat + " atoms but the driver's structure has 32"),
                    e.getMessage());
        }
        double[] bad = p.clone();
        bad[3 * 6 + 2] = Double.NaN;
        IpiException e = driveExpectingFailure(new Wire().status().posdata(CELL, bad).bytes(), true, FAST);
        assertTrue(e.getMessage().contains("position of atom 6 (Ar) z = NaN"), e.getMessage());

        double[] flat = CELL.clone();
        flat[8] = 0; // singular
        e = driveExpectingFailure(new Wire().posdata(flat, p).bytes(), true, FAST);
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("cell is unusable"), e.getMessage());

        e = driveExpectingFailure(new Wire().status().getforce().bytes(), true, FAST);
        assertEquals(Reason.PROTOCOL, e.reason());
        assertTrue(e.getMessage().contains("GETFORCE before any POSDATA"), e.getMessage());

        e = driveExpectingFailure(new Wire().posdata(CELL, p).getforce().getforce().bytes(), true, FAST);
        assertEquals(Reason.PROTOCOL, e.reason());
        assertTrue(e.getMessage().contains("GETFORCE without a new POSDATA"), e.getMessage());

        // a zero cell is refused on the first POSDATA too (it used to equal the driver's initial cell array)
        e = driveExpectingFailure(new Wire().posdata(new double[9], p).bytes(), true, FAST);
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("cell is unusable"), e.getMessage());

        // a header whose first bytes came and then nothing: the stall timeout, not the idle one
        IpiDriver.Options shortStall = IpiDriver.Options.DEFAULT.withTimeouts(Duration.ofSeconds(5),
                Duration.ofMillis(300), Duration.ofSeconds(30));
        long t0 = System.nanoTime();
        e = driveExpectingFailure(new Wire().raw("POSD".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).bytes(),
                false, shortStall);
        assertEquals(Reason.TIMEOUT, e.reason(), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "gave up after the 0.3 s stall, not the 30 s idle wait");

        e = driveExpectingFailure(new Wire().posdata(CELL, p).posdata(CELL, p).bytes(), true, FAST);
        assertEquals(Reason.PROTOCOL, e.reason());

        e = driveExpectingFailure(new Wire().header("INIT").i32(0).i32(1 << 30).bytes(), true, FAST);
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("INIT string length 1073741824"), e.getMessage());

        e = driveExpectingFailure(new Wire().header("FORCEREADY").bytes(), true, FAST);
        assertEquals(Reason.PROTOCOL, e.reason());

        e = driveExpectingFailure(new Wire().header("STATUS\n").bytes(), true, FAST);
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("\\x0a"), e.getMessage());
    }

    // ---------------------------------------------------------------- stalls and timeouts

    @Test
    void aStallInsideAMessageTimesOut() throws Exception {
        byte[] full = new Wire().status().posdata(CELL, argon(1).positions()).bytes();
        byte[] half = java.util.Arrays.copyOf(full, 12 + 12 + 100);
        IpiDriver.Options opts = FAST.withTimeouts(Duration.ofSeconds(5), SHORT, Duration.ofSeconds(5));
        long t0 = System.nanoTime();
        IpiException e = driveExpectingFailure(half, false, opts);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Reason.TIMEOUT, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("POSDATA cell") && e.getMessage().contains("100 of 148 bytes"),
                e.getMessage());
        assertTrue(ms < 4000, "gave up after " + ms + " ms");
    }

    @Test
    void aSilentServerTimesOutBetweenMessages() throws Exception {
        IpiDriver.Options opts = FAST.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), SHORT);
        IpiException e = driveExpectingFailure(new Wire().status().bytes(), false, opts);
        assertEquals(Reason.TIMEOUT, e.reason());
        assertTrue(e.getMessage().contains("next message header"), e.getMessage());
    }

    @Test
    void connectingToNothingFailsAfterTheConnectTimeout() {
        IpiDriver.Options opts = FAST.withTimeouts(SHORT, SHORT, SHORT);
        IpiException e = assertThrows(IpiException.class, () -> IpiDriver.connect(IpiAddress.unixPath(socketPath()),
                opts));
        assertEquals(Reason.CONNECT, e.reason());
        IpiException t = assertThrows(IpiException.class, () -> IpiDriver.connect(IpiAddress.localhost(1), opts));
        assertEquals(Reason.CONNECT, t.reason());
    }

    @Test
    void theServerTimesOutOnASlowDriverAndOnNoDriver() throws Exception {
        IpiServer.Options opts = new IpiServer.Options(SHORT, SHORT, SHORT, 1024);
        try (IpiServer server = IpiServer.bind(IpiAddress.unixPath(socketPath()), opts)) {
            IpiException e = assertThrows(IpiException.class, server::accept);
            assertEquals(Reason.TIMEOUT, e.reason());
            ForceField slow = new ForceField() {
                @Override
                public double cutoff() {
                    return 1;
                }

                @Override
                public void compute(AtomsSystem system, ForceResult out) {
                    try {
                        Thread.sleep(1500);
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                    LennardJones.argon().compute(system, out);
                }
            };
            AtomsSystem s = argon(1);
            startDriver(server.address(), s.copy(), slow, FAST);
            ForceResult r = new ForceResult();
            e = assertThrows(IpiException.class, () -> server.calculate(CELL, s.positions(), 32, true, r));
            assertEquals(Reason.TIMEOUT, e.reason());
            assertTrue(e.getMessage().contains("reply to STATUS after POSDATA"), e.getMessage());
        }
    }

    @Test
    void theServerRejectsAMalformedForceReply() throws Exception {
        Path p = socketPath();
        IpiServer.Options opts = new IpiServer.Options(Duration.ofSeconds(5), SHORT, SHORT, 1024);
        try (IpiServer server = IpiServer.bind(IpiAddress.unixPath(p), opts)) {
            Thread fake = new Thread(() -> {
                try (SocketChannel c = SocketChannel.open(IpiAddress.unixPath(p).socketAddress())) {
                    ByteBuffer in = ByteBuffer.allocate(1 << 16);
                    // READY to STATUS, swallow POSDATA, HAVEDATA, then a FORCEREADY claiming 7 atoms
                    byte[] reply = new Wire().header("READY").header("HAVEDATA").header("FORCEREADY").f64(1.0).i32(7)
                            .bytes();
                    c.write(ByteBuffer.wrap(reply));
                    while (c.read(in) >= 0) {
                        in.clear();
                    }
                } catch (IOException ignored) {
                    // server hung up
                }
            });
            fake.setDaemon(true);
            fake.start();
            ForceResult r = new ForceResult();
            IpiException e = assertThrows(IpiException.class, () -> server.calculate(CELL, argon(1).positions(), 32,
                    true, r));
            assertEquals(Reason.MALFORMED, e.reason());
            assertTrue(e.getMessage().contains("FORCEREADY has 7 atoms, expected 32"), e.getMessage());
        }
    }

    @Test
    void addressesParseLikeIpi() {
        assertEquals(Path.of("/tmp/ipi_e3j"), IpiAddress.parse("unix:e3j").unixPath());
        assertEquals(Path.of("/var/run/x.sock"), IpiAddress.parse("unix:/var/run/x.sock").unixPath());
        assertEquals(IpiAddress.tcp("localhost", 31415), IpiAddress.parse("31415"));
        assertEquals(IpiAddress.tcp("127.0.0.1", 3141), IpiAddress.parse("127.0.0.1:3141"));
        assertThrows(IllegalArgumentException.class, () -> IpiAddress.parse("nonsense"));
    }

    /** The driver's protocol loop allocates nothing per evaluation (measured on the driver thread). */
    @Test
    void driverStepsDoNotAllocate() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported());
        mx.setThreadAllocatedMemoryEnabled(true);
        AtomsSystem s = argon(2);
        long[] bytes = new long[2];
        ForceField measured = new ForceField() {
            final LennardJones lj = new LennardJones(0.0104, 3.4, 8.5, 3.0); // a large skin: no rebuilds
            int calls;

            @Override
            public double cutoff() {
                return lj.cutoff();
            }

            @Override
            public void compute(AtomsSystem system, ForceResult out) {
                long tid = Thread.currentThread().threadId();
                if (calls == 1000) {
                    bytes[0] = mx.getThreadAllocatedBytes(tid);
                } else if (calls == 3000) {
                    bytes[1] = mx.getThreadAllocatedBytes(tid);
                }
                calls++;
                lj.compute(system, out);
            }
        };
        try (IpiServer server = IpiServer.bind(IpiAddress.unixPath(socketPath()), null)) {
            CompletableFuture<IpiDriver.Summary> d = startDriver(server.address(), s.copy(), measured, FAST);
            ForceResult r = new ForceResult();
            double[] p = s.positions().clone();
            for (int k = 0; k < 3001; k++) {
                p[0] = s.positions()[0] + 1e-4 * (k % 7);
                server.calculate(CELL, p, 32, true, r);
            }
            server.sendExit();
            assertEquals(3001, d.get(10, TimeUnit.SECONDS).evaluations());
        }
        double perEval = (bytes[1] - bytes[0]) / 2000.0;
        System.out.printf("i-PI driver: %.2f B allocated per evaluation (32 atoms, UNIX socket)%n", perEval);
        assertTrue(perEval < 64, perEval + " B per evaluation");
    }
}
