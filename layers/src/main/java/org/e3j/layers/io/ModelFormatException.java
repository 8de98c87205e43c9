package org.e3j.layers.io;

import org.e3j.engine.E3jException;

/** A model or fixture file that is malformed, lies about its contents, or does not fit its architecture. */
public class ModelFormatException extends E3jException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
