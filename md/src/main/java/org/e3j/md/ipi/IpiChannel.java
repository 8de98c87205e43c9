package org.e3j.md.ipi;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.function.Consumer;
import org.e3j.md.ipi.IpiException.Reason;

/**
 * A non-blocking socket channel with deadlines, and the i-PI framing: 12-byte space-padded ASCII
 * headers, little-endian int32 and float64.
 *
 * <p>Why non-blocking with a selector: a blocking {@code SocketChannel} has no read timeout, and a
 * UNIX-domain channel has no {@code Socket} adapter to set one on. Every read and write therefore
 * waits in {@link Selector#select(Consumer, long)} for at most the time left before its deadline,
 * so a silent peer raises {@link Reason#TIMEOUT} instead of hanging. The action-based select keeps
 * the selected-key set (and its allocations) out of the loop.
 */
final class IpiChannel implements Closeable {
    static final int HEADER = 12;

    private final SocketChannel ch;
    private final Selector selector;
    private final SelectionKey key;
    private final Consumer<SelectionKey> ignore = k -> {};
    private final byte[] headerBytes = new byte[HEADER];
    private final ByteBuffer header = ByteBuffer.allocateDirect(HEADER).order(ByteOrder.LITTLE_ENDIAN);

    IpiChannel(SocketChannel ch) throws IOException {
        this.ch = ch;
        ch.configureBlocking(false);
        this.selector = Selector.open();
        this.key = ch.register(selector, 0);
    }

    /** Connects, retrying until {@code timeout} while the server is not (yet) listening. */
    static IpiChannel connect(IpiAddress address, Duration timeout) {
        long deadline = deadline(timeout);
        IOException last = null;
        while (true) {
            SocketChannel ch = null;
            try {
                ch = address.isUnix() ? SocketChannel.open(address.family()) : SocketChannel.open();
                ch.configureBlocking(false);
                if (!ch.connect(address.socketAddress())) {
                    try (Selector s = Selector.open()) {
                        ch.register(s, SelectionKey.OP_CONNECT);
                        while (!ch.finishConnect()) {
                            long left = millisLeft(deadline);
                            if (left <= 0) {
                                throw new IpiException(Reason.CONNECT, "timed out after " + timeout.toMillis()
                                        + " ms connecting to " + address);
                            }
                            s.select(left);
                        }
                    }
                }
                if (!address.isUnix()) {
                    ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                }
                return new IpiChannel(ch);
            } catch (NoSuchFileException | SocketException e) { // not listening (yet): retry
                last = e;
                closeQuietly(ch);
            } catch (IOException e) {
                closeQuietly(ch);
                throw new IpiException(Reason.CONNECT, "cannot connect to " + address + ": " + e, e);
            } catch (RuntimeException e) {
                closeQuietly(ch);
                throw e;
            }
            if (millisLeft(deadline) <= 0) {
                throw new IpiException(Reason.CONNECT, "no i-PI server at " + address + " (gave up after "
                        + timeout.toMillis() + " ms): " + last, last);
            }
            try {
                Thread.sleep(Math.min(50, Math.max(1, millisLeft(deadline))));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IpiException(Reason.CONNECT, "interrupted while connecting to " + address, ie);
            }
        }
    }

    static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing useful to do
            }
        }
    }

    /** Deadline in nanoTime for a timeout; {@link Long#MAX_VALUE} for none (null or zero). */
    static long deadline(Duration timeout) {
        if (timeout == null || timeout.isZero()) {
            return Long.MAX_VALUE;
        }
        long now = System.nanoTime();
        long t;
        try {
            t = timeout.toNanos();
        } catch (ArithmeticException tooLong) { // more than ~292 years: no deadline in practice
            return Long.MAX_VALUE;
        }
        return now + t < now ? Long.MAX_VALUE : now + t;
    }

    /** Milliseconds left (at least 1 while time remains, so select never gets 0 = forever). */
    static long millisLeft(long deadline) {
        if (deadline == Long.MAX_VALUE) {
            return Long.MAX_VALUE / 4;
        }
        long ns = deadline - System.nanoTime();
        if (ns <= 0) {
            return 0;
        }
        return Math.max(1, ns / 1_000_000);
    }

    /**
     * Reads the next header. Returns null if the peer closed cleanly before its first byte;
     * a close after some bytes is {@link Reason#DISCONNECTED}; an unknown word is
     * {@link Reason#MALFORMED}.
     */
    IpiMessage readHeader(Duration timeout) {
        return readHeader(timeout, timeout);
    }

    /**
     * As {@link #readHeader(Duration)}, waiting up to {@code idle} for the header's first byte (the
     * peer may be busy between messages) and then up to {@code io} for the rest of it (a peer silent
     * inside a message is stalled, however long the idle wait may be).
     */
    IpiMessage readHeader(Duration idle, Duration io) {
        header.clear();
        header.limit(1);
        if (!fill(header, deadline(idle), idle, "the next message header", true)) {
            return null;
        }
        header.limit(HEADER);
        fill(header, deadline(io), io, "the next message header", false);
        header.flip();
        header.get(headerBytes);
        IpiMessage m = IpiMessage.match(headerBytes);
        if (m == null) {
            throw new IpiException(Reason.MALFORMED, "unknown message header " + escape(headerBytes, HEADER));
        }
        return m;
    }

    static String escape(byte[] b, int n) {
        StringBuilder sb = new StringBuilder("\"");
        for (int k = 0; k < n; k++) {
            int c = b[k] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.append('"').toString();
    }

    /** Reads exactly {@code buf.remaining()} bytes before the timeout. */
    void readFully(ByteBuffer buf, Duration timeout, String what) {
        fill(buf, deadline(timeout), timeout, what, false);
    }

    private boolean fill(ByteBuffer buf, long deadline, Duration timeout, String what, boolean eofOk) {
        int start = buf.position();
        int want = buf.remaining();
        try {
            while (buf.hasRemaining()) {
                int r = ch.read(buf);
                if (r < 0) {
                    int got = buf.position() - start;
                    if (got == 0 && eofOk) {
                        return false;
                    }
                    throw new IpiException(Reason.DISCONNECTED, "peer closed the connection after " + got + " of "
                            + want + " bytes of " + what);
                }
                if (r == 0) {
                    await(SelectionKey.OP_READ, deadline, timeout, what, buf.position() - start, want);
                }
            }
            return true;
        } catch (IOException e) {
            // a peer that hangs up with our bytes unread resets the connection: that is a disconnect
            String m = String.valueOf(e.getMessage());
            Reason reason = m.contains("reset") || m.contains("Broken pipe") ? Reason.DISCONNECTED : Reason.IO;
            throw new IpiException(reason, "reading " + what + ": " + e, e);
        }
    }

    /** Writes all of {@code buf} (from position to limit) before the timeout. */
    void writeFully(ByteBuffer buf, Duration timeout, String what) {
        long deadline = deadline(timeout);
        int want = buf.remaining();
        int start = buf.position();
        try {
            while (buf.hasRemaining()) {
                int w = ch.write(buf);
                if (w == 0) {
                    await(SelectionKey.OP_WRITE, deadline, timeout, what, buf.position() - start, want);
                }
            }
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            Reason reason = m.contains("Broken pipe") || m.contains("reset") ? Reason.DISCONNECTED : Reason.IO;
            throw new IpiException(reason, "writing " + what + ": " + e, e);
        }
    }

    private void await(int op, long deadline, Duration timeout, String what, int got, int want) throws IOException {
        long left = millisLeft(deadline);
        if (left <= 0) {
            throw new IpiException(Reason.TIMEOUT, "peer silent for " + timeout.toMillis() + " ms while "
                    + (op == SelectionKey.OP_READ ? "reading " : "writing ") + what + " (" + got + " of " + want
                    + " bytes done)");
        }
        key.interestOps(op);
        selector.select(ignore, left);
        key.interestOps(0);
        if (Thread.currentThread().isInterrupted()) {
            throw new IpiException(Reason.IO, "interrupted while waiting for " + what);
        }
    }

    @Override
    public void close() {
        closeQuietly(selector);
        closeQuietly(ch);
    }
}
