package org.e3j.md;

import org.e3j.engine.E3jException;

/**
 * A molecular-dynamics run cannot continue: a non-finite or absurd energy, force, position or
 * velocity (a "blow-up"), or an inconsistent setup. The message names the step and, when one can
 * be blamed, the atom; both are also available as fields so a driver can report them.
 */
public class MdException extends E3jException {
    private static final long serialVersionUID = 1L;

    private final long step;
    private final int atom;

    public MdException(String message) {
        this(message, -1, -1, null);
    }

    public MdException(String message, Throwable cause) {
        this(message, -1, -1, cause);
    }

    /**
     * @param step the MD step at which it happened, or -1
     * @param atom the 0-based index of the atom to blame, or -1
     */
    public MdException(String message, long step, int atom) {
        this(message, step, atom, null);
    }

    public MdException(String message, long step, int atom, Throwable cause) {
        super(message, cause);
        this.step = step;
        this.atom = atom;
    }

    /** The step at which the run stopped, or -1 if not tied to a step. */
    public long step() {
        return step;
    }

    /** The atom to blame, or -1. */
    public int atom() {
        return atom;
    }
}
