package org.e3j.tests.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.e3j.md.ForceResult;
import org.e3j.md.ipi.IpiAddress;
import org.e3j.md.ipi.IpiException;
import org.e3j.md.ipi.IpiServer;

/**
 * Fuzz target for the other i-PI decoder, the server's (issue #7): a scripted driver connects to a
 * real {@link IpiServer}, writes the fuzzed bytes as its replies and closes its side; the server
 * asks for up to three evaluations and sends EXIT. Only {@link IpiException}s may come out, never
 * by {@link IpiException.Reason#TIMEOUT} (the input is complete and closed), and every accepted
 * result must be finite.
 */
class IpiServerFuzzTest {
    static final int MAX_BYTES = 1 << 20;

    static final IpiServer.Options OPTIONS = new IpiServer.Options(Duration.ofSeconds(10), Duration.ofSeconds(10),
            Duration.ofSeconds(10), 1 << 20);

    static final double[] CELL = {10, 0, 0, 0, 10, 0, 0, 0, 10};
    static final double[] POSITIONS = {0, 0, 0, 0.96, 0, 0};

    private static Path socket;
    private static final ExecutorService DRIVER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ipi-fuzz-driver");
        t.setDaemon(true);
        return t;
    });

    private static synchronized Path socket() {
        if (socket == null) {
            try {
                Path dir = Files.createTempDirectory("e3j-ipi-server-fuzz");
                dir.toFile().deleteOnExit();
                socket = dir.resolve("s");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return socket;
    }

    @FuzzTest(maxDuration = "5m")
    void server(byte[] data) throws Exception {
        if (data.length > MAX_BYTES) {
            return;
        }
        Path path = socket();
        try (IpiServer server = IpiServer.bind(IpiAddress.unixPath(path), OPTIONS)) {
            Future<?> driver = DRIVER.submit(() -> {
                try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    c.connect(UnixDomainSocketAddress.of(path));
                    ByteBuffer b = ByteBuffer.wrap(data);
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                    c.shutdownOutput();
                    ByteBuffer sink = ByteBuffer.allocate(8192);
                    while (c.read(sink) >= 0) {
                        sink.clear();
                    }
                } catch (IOException ignored) {
                    // the server hung up first
                }
            });
            try {
                ForceResult out = new ForceResult(2);
                out.request(ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS);
                for (int k = 0; k < 3; k++) {
                    server.calculate(CELL, POSITIONS, 2, true, out);
                    boolean finite = Double.isFinite(out.energy());
                    for (int i = 0; i < 6; i++) {
                        finite &= Double.isFinite(out.forces()[i]) && Double.isFinite(out.stress()[i]);
                    }
                    if (!finite) {
                        throw new AssertionError("the server accepted a non-finite result: energy " + out.energy()
                                + ", forces " + java.util.Arrays.toString(out.forcesCopy()) + ", stress "
                                + java.util.Arrays.toString(out.stressCopy()));
                    }
                }
                server.sendExit();
            } catch (IpiException e) {
                ModelFiles.requireMessage(e);
                if (e.reason() == IpiException.Reason.TIMEOUT) {
                    throw new AssertionError("the server timed out on complete, closed input (a hang): "
                            + e.getMessage(), e);
                }
            } finally {
                server.close();
                driver.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
