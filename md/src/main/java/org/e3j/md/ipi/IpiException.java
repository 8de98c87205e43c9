package org.e3j.md.ipi;

import org.e3j.engine.E3jException;

/**
 * The i-PI connection failed; {@link #reason()} says how, the message says where (which message,
 * which field, how many bytes arrived).
 */
public class IpiException extends E3jException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** Could not connect, bind or accept. */
        CONNECT,
        /** The peer went silent for longer than the configured timeout. */
        TIMEOUT,
        /** The peer closed the connection in the middle of a message (or, if strict, at all). */
        DISCONNECTED,
        /** Bytes that are not a valid message: unknown header, absurd count, non-finite number. */
        MALFORMED,
        /** A valid message at the wrong time (e.g. GETFORCE before POSDATA). */
        PROTOCOL,
        /** Any other I/O error from the socket. */
        IO
    }

    private final Reason reason;
    private final String detail;

    public IpiException(Reason reason, String message) {
        this(reason, message, null);
    }

    public IpiException(Reason reason, String message, Throwable cause) {
        super("i-PI " + reason.name().toLowerCase(java.util.Locale.ROOT) + ": " + message, cause);
        this.reason = reason;
        this.detail = message;
    }

    /** The same failure with more context appended (the original becomes the cause). */
    IpiException withContext(String context) {
        IpiException e = new IpiException(reason, detail + " (" + context + ")", this);
        return e;
    }

    public Reason reason() {
        return reason;
    }
}
