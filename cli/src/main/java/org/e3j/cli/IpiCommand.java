package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ipi.IpiAddress;
import org.e3j.md.ipi.IpiDriver;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code e3j ipi}: serve forces to an i-PI server (i-PI itself, or ASE's SocketIOCalculator) over a
 * UNIX or TCP socket. The protocol carries only positions and the cell, so species and pbc come from
 * a template structure. LAMMPS's {@code fix ipi} is a client too (it cannot serve e3j): for LAMMPS
 * use {@code e3j lammps}. See docs/clients.md.
 */
@Command(name = "ipi", mixinStandardHelpOptions = true,
        description = {"Act as an i-PI driver (a client computing forces) for an i-PI server:",
                "i-PI itself, or ASE's SocketIOCalculator. Start several to spread i-PI's",
                "beads or replicas over processes and machines. Species and pbc come from",
                "--structure; positions and cell arrive over the socket.",
                "LAMMPS's fix ipi is a client too, so it cannot talk to e3j ipi: use e3j lammps.",
                "See docs/clients.md."})
public final class IpiCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine = new EngineOptions();

    static final class Address {
        @Option(names = "--unix", paramLabel = "NAME", required = true,
                description = "UNIX socket /tmp/ipi_NAME (i-PI's and ASE's convention)")
        String unix;

        @Option(names = "--tcp", paramLabel = "HOST:PORT", required = true, description = "TCP address")
        String tcp;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Address address;

    @Option(names = {"-s", "--structure"}, paramLabel = "FILE", required = true,
            description = {"template structure (extended XYZ): atomic numbers in the server's order, pbc.",
                    "Without a Lattice, the server's cell is used, periodic (i-PI always sends one)."})
    Path structure;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = {"give up when the server sends nothing for this long between messages (default "
                    + "${DEFAULT-VALUE} s; " + MIN_SECONDS_TEXT + " to " + MAX_SECONDS_TEXT + " s).",
                    "A stall inside a message gives up after the smaller of this and " + STALL_SECONDS + " s."})
    double timeout;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "keep trying to reach the server for this long (it may start late; default "
                    + "${DEFAULT-VALUE} s; " + MIN_SECONDS_TEXT + " to " + MAX_SECONDS_TEXT + " s)")
    double connectTimeout;

    /** Bounds of every timeout option: a finite, positive number of seconds, at least 1 ms, at most a week. */
    static final double MIN_SECONDS = 0.001;
    static final double MAX_SECONDS = 7 * 24 * 3600;
    static final String MIN_SECONDS_TEXT = "0.001";
    static final String MAX_SECONDS_TEXT = "604800";
    /** Longest silence inside a message (the peer is sending; a long pause means it died). */
    static final int STALL_SECONDS = 60;

    /** A timeout option as a Duration, or a one-line error naming the option. */
    static Duration seconds(String option, double value) {
        if (!(value >= MIN_SECONDS && value <= MAX_SECONDS)) { // also refuses NaN
            throw new OptionException(option + " must be a number of seconds from " + MIN_SECONDS_TEXT
                    + " to " + MAX_SECONDS_TEXT + " (one week), got " + value);
        }
        return Duration.ofNanos(Math.round(value * 1e9));
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        engine.validate();
        PrintWriter out = spec.commandLine().getOut();
        Duration idle = seconds("--timeout", timeout);
        Duration connect = seconds("--connect-timeout", connectTimeout);
        Duration stall = idle.compareTo(Duration.ofSeconds(STALL_SECONDS)) < 0 ? idle
                : Duration.ofSeconds(STALL_SECONDS);
        AtomsSystem template = Structures.firstFrame(structure);
        IpiAddress addr;
        try {
            addr = address.unix != null ? IpiAddress.unix(address.unix) : IpiAddress.parse(address.tcp);
        } catch (IllegalArgumentException e) {
            throw new OptionException((address.unix != null ? "--unix '" + address.unix : "--tcp '" + address.tcp)
                    + "': " + e.getMessage());
        }
        IpiDriver.Options options = IpiDriver.Options.DEFAULT.withTimeouts(connect, stall, idle);
        try (ForceField ff = engine.open(); IpiDriver driver = IpiDriver.connect(addr, options)) {
            out.printf("e3j ipi: connected to %s, %d atoms, model %s%n", addr, template.numAtoms(), engine.modelPath());
            if (!template.hasCell() && !template.isPeriodic()) {
                out.printf("e3j ipi: %s has no Lattice: the server's cell is used, periodic in x, y, z (a zero cell"
                        + " from the server means an isolated cluster)%n", structure);
            }
            IpiDriver.Summary summary = driver.run(template, ff);
            out.printf("e3j ipi: %s after %d evaluations%n", summary.end(), summary.evaluations());
        }
        return 0;
    }
}
