package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.e3j.md.ForceResult;
import org.e3j.md.ipi.IpiAddress;
import org.e3j.md.ipi.IpiDriver;
import org.e3j.md.ipi.IpiException;
import org.e3j.md.ipi.IpiException.Reason;
import org.e3j.md.ipi.IpiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected into a live i-PI connection, on both sides (issue #7): a peer that stalls in the
 * middle of a message is detected within the I/O timeout, a peer that disconnects mid-message is
 * reported at once; neither hangs. (The md module's IpiTest covers more: stalls between messages,
 * no server, a slow driver, truncation at every byte, bit flips.)
 */
class IpiFaultTest {
    @TempDir
    Path dir;

    static final Duration IO = Duration.ofMillis(300);

    static byte[] header(String word) {
        byte[] b = new byte[12];
        Arrays.fill(b, (byte) ' ');
        System.arraycopy(word.getBytes(), 0, b, 0, word.length());
        return b;
    }

    /** READY, HAVEDATA, then the first {@code cut} bytes of a FORCEREADY for 2 atoms. */
    static byte[] partialDriverReplies(int cut) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(header("READY"));
        o.writeBytes(header("HAVEDATA"));
        ByteBuffer f = ByteBuffer.allocate(12 + 12 + 48 + 76).order(ByteOrder.LITTLE_ENDIAN);
        f.put(header("FORCEREADY")).putDouble(-1).putInt(2);
        o.writeBytes(Arrays.copyOf(f.array(), cut));
        return o.toByteArray();
    }

    /** A scripted driver: writes {@code bytes}, then stalls ({@code close} false) or hangs up. */
    private IpiException serverAgainst(byte[] bytes, boolean close) throws Exception {
        Path p = dir.resolve("srv" + System.nanoTime());
        IpiServer.Options opts = new IpiServer.Options(Duration.ofSeconds(5), IO, IO, 1024);
        CountDownLatch release = new CountDownLatch(1);
        try (IpiServer server = IpiServer.bind(IpiAddress.unixPath(p), opts)) {
            Thread driver = new Thread(() -> {
                try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    c.connect(UnixDomainSocketAddress.of(p));
                    c.write(ByteBuffer.wrap(bytes));
                    if (!close) {
                        release.await(10, TimeUnit.SECONDS); // silent, connection open
                    } else {
                        // hang up with the server's bytes unread (as a killed process does): a reset
                        c.read(ByteBuffer.allocate(1));
                    }
                } catch (Exception ignored) {
                    // the server gave up on us
                }
            });
            driver.setDaemon(true);
            driver.start();
            ForceResult out = new ForceResult(2);
            return assertThrows(IpiException.class, () -> server.calculate(new double[] {10, 0, 0, 0, 10, 0, 0, 0, 10},
                    new double[] {0, 0, 0, 1, 0, 0}, 2, true, out));
        } finally {
            release.countDown();
        }
    }

    @Test
    void aDriverThatStallsMidReplyIsDetectedWithinTheTimeout() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int cut : new int[] {0, 5, 20, 40}) {
                long t0 = System.nanoTime();
                IpiException e = serverAgainst(partialDriverReplies(cut), false);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(Reason.TIMEOUT, e.reason(), e.getMessage());
                assertTrue(ms < 5 * IO.toMillis(), "detected after " + ms + " ms");
            }
        });
    }

    /**
     * Finding: a driver that hung up with the server's bytes unread reset the connection, and the
     * server's read reported Reason.IO ("Connection reset") where its write reported DISCONNECTED.
     */
    @Test
    void aDriverThatDisconnectsMidReplyIsReportedAtOnce() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int cut : new int[] {5, 20, 40}) {
                IpiException e = serverAgainst(partialDriverReplies(cut), true);
                // the driver may be gone before the server writes (a broken pipe) or while it reads
                assertEquals(Reason.DISCONNECTED, e.reason(), e.getMessage());
            }
            IpiException e = serverAgainst(new byte[0], true);
            assertEquals(Reason.DISCONNECTED, e.reason(), e.getMessage());
        });
    }

    /** READY, HAVEDATA and a whole FORCEREADY for 2 atoms with the given energy, force and virial (atomic units). */
    static byte[] driverReplies(double energy, double force, double virial) {
        ByteBuffer f = ByteBuffer.allocate(24 + 12 + 12 + 48 + 76).order(ByteOrder.LITTLE_ENDIAN);
        f.put(header("READY")).put(header("HAVEDATA")).put(header("FORCEREADY")).putDouble(energy).putInt(2);
        for (int k = 0; k < 6; k++) {
            f.putDouble(force);
        }
        for (int k = 0; k < 9; k++) {
            f.putDouble(virial);
        }
        return f.putInt(0).array();
    }

    /**
     * Finding: a reply finite on the wire but overflowing in the unit conversion (a force of 1e307
     * hartree/bohr, x 51.4 to eV/Å) came back from IpiServer as an infinite force. Now refused.
     */
    @Test
    void aReplyThatOverflowsInUnitConversionIsRefused() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (double[] evf : new double[][] {{1e307, 0, 0}, {0, 1e307, 0}, {0, -1e307, 0}, {0, 0, 1e307},
                    {Double.NaN, 0, 0}, {0, Double.POSITIVE_INFINITY, 0}}) {
                IpiException e = serverAgainst(driverReplies(evf[0], evf[1], evf[2]), false);
                assertEquals(Reason.MALFORMED, e.reason(), e.getMessage());
            }
        });
    }

    @Test
    void aServerThatStallsOrDisconnectsMidPosdataIsDetected() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (boolean close : new boolean[] {false, true}) {
                Path p = dir.resolve("drv" + close);
                CountDownLatch release = new CountDownLatch(1);
                try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ss.bind(UnixDomainSocketAddress.of(p));
                    Thread server = new Thread(() -> {
                        try (SocketChannel c = ss.accept()) {
                            ByteBuffer b = ByteBuffer.allocate(12 + 40).put(header("POSDATA"));
                            c.write(b.flip());
                            if (!close) {
                                release.await(10, TimeUnit.SECONDS);
                            }
                        } catch (Exception ignored) {
                            // the driver gave up on us
                        }
                    });
                    server.setDaemon(true);
                    server.start();
                    IpiDriver.Options o = IpiDriver.Options.DEFAULT.withTimeouts(Duration.ofSeconds(5), IO, IO);
                    long t0 = System.nanoTime();
                    try (IpiDriver d = IpiDriver.connect(IpiAddress.unixPath(p), o)) {
                        IpiException e = assertThrows(IpiException.class,
                                () -> d.run(IpiDecoderFuzzTest.TEMPLATE.copy(), new IpiDecoderFuzzTest.BoundedField()));
                        assertEquals(close ? Reason.DISCONNECTED : Reason.TIMEOUT, e.reason(), e.getMessage());
                        assertTrue(e.getMessage().contains("POSDATA"), e.getMessage());
                        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5 * IO.toMillis());
                    } finally {
                        release.countDown();
                    }
                }
            }
        });
    }
}
