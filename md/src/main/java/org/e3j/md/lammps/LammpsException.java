package org.e3j.md.lammps;

import org.e3j.engine.E3jException;

/** LAMMPS cannot be loaded or started, reported an error, or the e3j callback failed inside a run. */
public class LammpsException extends E3jException {
    private static final long serialVersionUID = 1L;

    public LammpsException(String message) {
        super(message);
    }

    public LammpsException(String message, Throwable cause) {
        super(message, cause);
    }
}
