package org.e3j.cli;

/**
 * An option given a value it cannot take (a count below 1, a NaN time, an unknown ensemble) or a
 * combination of options that does not make sense (--friction without a thermostat): a usage error,
 * exit status 2 like picocli's own parse errors, one line on stderr.
 */
public final class OptionException extends IllegalArgumentException {
    public OptionException(String message) {
        super(message);
    }
}
