package org.e3j.graph;

import org.e3j.engine.E3jException;

/** An atomic structure (or a file describing one) is invalid; the message names the culprit. */
public class StructureException extends E3jException {
    private static final long serialVersionUID = 1L;

    public StructureException(String message) {
        super(message);
    }

    public StructureException(String message, Throwable cause) {
        super(message, cause);
    }
}
