package org.e3j.engine;

/**
 * Base of every error e3j reports about its input (irreps, model files, structures, graphs).
 * Unchecked, so an embedding simulation can catch one type at its boundary; each subclass
 * names the culprit in its message.
 */
public class E3jException extends RuntimeException {
    public E3jException(String message) {
        super(message);
    }

    public E3jException(String message, Throwable cause) {
        super(message, cause);
    }
}
