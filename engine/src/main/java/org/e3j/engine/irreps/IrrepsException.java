package org.e3j.engine.irreps;

import org.e3j.engine.E3jException;

/**
 * An irreps string, an irreps bookkeeping rule or an array shape was not acceptable. The message
 * always names the offending string, term or shapes, so a user can find the culprit in a config.
 */
public class IrrepsException extends E3jException {
    public IrrepsException(String message) {
        super(message);
    }

    public IrrepsException(String message, Throwable cause) {
        super(message, cause);
    }
}
