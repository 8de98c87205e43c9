package org.e3j.md.ipi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The i-PI message headers: ASCII words space-padded to 12 bytes. */
enum IpiMessage {
    // server -> driver
    STATUS, INIT, POSDATA, GETFORCE, EXIT,
    // driver -> server
    READY, NEEDINIT, HAVEDATA, FORCEREADY;

    private static final IpiMessage[] ALL = values();

    /** The 12 bytes on the wire. */
    final byte[] padded;
    private final byte[] word;

    IpiMessage() {
        word = name().getBytes(StandardCharsets.US_ASCII);
        padded = new byte[IpiChannel.HEADER];
        Arrays.fill(padded, (byte) ' ');
        System.arraycopy(word, 0, padded, 0, word.length);
    }

    /**
     * The message of a received header (trailing spaces or NULs ignored), without allocating;
     * null if it is none of them.
     */
    static IpiMessage match(byte[] b) {
        int end = IpiChannel.HEADER;
        while (end > 0 && (b[end - 1] == ' ' || b[end - 1] == 0)) {
            end--;
        }
        for (IpiMessage m : ALL) {
            if (m.word.length == end && Arrays.equals(m.word, 0, end, b, 0, end)) {
                return m;
            }
        }
        return null;
    }
}
