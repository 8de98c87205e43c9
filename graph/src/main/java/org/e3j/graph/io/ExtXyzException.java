package org.e3j.graph.io;

import org.e3j.graph.StructureException;

/** Malformed or hostile extended XYZ input; the message starts with the line number. */
public class ExtXyzException extends StructureException {
    private static final long serialVersionUID = 1L;
    private final long line;

    public ExtXyzException(long line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
    }

    public ExtXyzException(long line, String message, Throwable cause) {
        super("line " + line + ": " + message, cause);
        this.line = line;
    }

    /** 1-based line number where the problem was found (0 if unknown). */
    public long line() {
        return line;
    }
}
