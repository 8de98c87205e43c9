package org.e3j.tests.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.ipi.IpiAddress;
import org.e3j.md.ipi.IpiDriver;
import org.e3j.md.ipi.IpiException;

/**
 * Fuzz target for the i-PI message decoder (issue #7): a scripted server writes the fuzzed bytes to
 * a real {@link IpiDriver} over a UNIX socket, then closes its side. The driver must end with a
 * summary or an {@link IpiException} (never another throwable), and never by
 * {@link IpiException.Reason#TIMEOUT}: the input is complete and closed, so a timeout would be a
 * hang. The force field is a bounded stand-in (sin/cos), so that every failure is the decoder's.
 */
class IpiDecoderFuzzTest {
    static final int MAX_BYTES = 1 << 20;

    static final IpiDriver.Options OPTIONS = IpiDriver.Options.DEFAULT.withTimeouts(Duration.ofSeconds(10),
            Duration.ofSeconds(10), Duration.ofSeconds(10)).withExtras("{\"fuzz\":1}");

    /** Two atoms in a 10 Å periodic cube: the protocol paths for cell and positions are all live. */
    static final AtomsSystem TEMPLATE = new AtomsSystem(new int[] {8, 1}, new double[] {0, 0, 0, 0.96, 0, 0}, null,
            null, new double[] {10, 0, 0, 0, 10, 0, 0, 0, 10}, new boolean[] {true, true, true});

    /** E = sum sin(x_k): finite for every finite position, so non-finite replies cannot happen. */
    static final class BoundedField implements ForceField {
        @Override
        public double cutoff() {
            return 1;
        }

        @Override
        public void compute(AtomsSystem system, ForceResult out) {
            int n = system.numAtoms();
            out.prepare(n);
            double[] p = system.positions();
            double e = 0;
            double[] f = out.forces();
            for (int k = 0; k < 3 * n; k++) {
                e += Math.sin(p[k]);
                f[k] = -Math.cos(p[k]);
            }
            out.setEnergy(e);
            out.markAvailable(ForceResult.ENERGY | ForceResult.FORCES);
        }
    }

    private static final class Server {
        final Path dir;
        final IpiAddress address;
        final ServerSocketChannel ss;
        final ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ipi-fuzz-server");
            t.setDaemon(true);
            return t;
        });

        Server() throws IOException {
            dir = Files.createTempDirectory("e3j-ipi-fuzz");
            dir.toFile().deleteOnExit();
            Path sock = dir.resolve("s");
            sock.toFile().deleteOnExit();
            address = IpiAddress.unixPath(sock);
            ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ss.bind(java.net.UnixDomainSocketAddress.of(sock));
        }
    }

    private static Server server;

    private static synchronized Server server() {
        if (server == null) {
            try {
                server = new Server();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    @FuzzTest(maxDuration = "5m")
    void driver(byte[] data) throws Exception {
        if (data.length > MAX_BYTES) {
            return;
        }
        Server s = server();
        Future<?> peer = s.exec.submit(() -> {
            try (SocketChannel c = s.ss.accept()) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    c.write(b);
                }
                c.shutdownOutput();
                ByteBuffer sink = ByteBuffer.allocate(8192);
                while (c.read(sink) >= 0) { // drain the replies until the driver hangs up
                    sink.clear();
                }
            } catch (IOException ignored) {
                // the driver hung up first
            }
        });
        try (IpiDriver d = IpiDriver.connect(s.address, OPTIONS)) {
            IpiDriver.Summary summary = d.run(TEMPLATE.copy(), new BoundedField());
            if (summary.evaluations() < 0) {
                throw new AssertionError(summary.toString());
            }
        } catch (IpiException e) {
            ModelFiles.requireMessage(e);
            if (e.reason() == IpiException.Reason.TIMEOUT) {
                throw new AssertionError("the driver timed out on complete, closed input (a hang): " + e.getMessage(),
                        e);
            }
        } finally {
            peer.get(30, TimeUnit.SECONDS);
        }
    }
}
