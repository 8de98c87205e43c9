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
 * {@code e3j ipi}: serve forces to an i-PI server (i-PI, ASE's SocketIOCalculator, LAMMPS fix ipi)
 * over a UNIX or TCP socket. The protocol carries only positions and the cell, so species and pbc
 * come from a template structure.
 */
@Command(name = "ipi", mixinStandardHelpOptions = true,
        description = {"Act as an i-PI driver (force engine) for i-PI, ASE's SocketIOCalculator or LAMMPS fix ipi.",
                "Species and pbc come from --structure; positions and cell arrive over the socket."})
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
            description = "template structure (extended XYZ): atomic numbers in the server's order, pbc")
    Path structure;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "give up when the server is silent this long (default ${DEFAULT-VALUE} s)")
    double timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        AtomsSystem template = Structures.firstFrame(structure);
        IpiAddress addr = address.unix != null ? IpiAddress.unix(address.unix) : IpiAddress.parse(address.tcp);
        Duration idle = Duration.ofMillis((long) (timeout * 1000));
        IpiDriver.Options options = IpiDriver.Options.DEFAULT.withTimeouts(Duration.ofSeconds(30), idle, idle);
        try (ForceField ff = engine.open(); IpiDriver driver = IpiDriver.connect(addr, options)) {
            out.printf("e3j ipi: connected to %s, %d atoms, model %s%n", addr, template.numAtoms(), engine.modelPath());
            IpiDriver.Summary summary = driver.run(template, ff);
            out.printf("e3j ipi: %s after %d evaluations%n", summary.end(), summary.evaluations());
        }
        return 0;
    }
}
