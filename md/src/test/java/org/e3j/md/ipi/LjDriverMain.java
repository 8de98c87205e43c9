package org.e3j.md.ipi;

import java.nio.file.Path;
import org.e3j.graph.io.ExtXyz;
import org.e3j.md.AtomsSystem;
import org.e3j.md.LennardJones;

/**
 * A stand-in for {@code e3j ipi} until the model is wired: serves shifted-force Lennard-Jones over
 * i-PI. Usage: {@code LjDriverMain <address> <template.extxyz> [epsilon sigma cutoff]}, with the
 * address as {@link IpiAddress#parse} reads it ({@code unix:<name>}, {@code host:port}). The
 * template gives the species and periodic flags (the protocol sends only positions and cell).
 * Used by {@code md/src/test/python/ipi_ase_check.py}.
 */
public final class LjDriverMain {
    private LjDriverMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length != 5) {
            System.err.println("usage: LjDriverMain <unix:name|host:port> <template.extxyz> [epsilon sigma cutoff]");
            System.exit(2);
        }
        AtomsSystem template = AtomsSystem.of(ExtXyz.read(Path.of(args[1])).get(0));
        LennardJones lj = args.length == 5
                ? new LennardJones(Double.parseDouble(args[2]), Double.parseDouble(args[3]), Double.parseDouble(args[4]),
                        1.0)
                : LennardJones.argon();
        try (IpiDriver d = IpiDriver.connect(IpiAddress.parse(args[0]), IpiDriver.Options.DEFAULT)) {
            IpiDriver.Summary s = d.run(template, lj);
            System.err.println("e3j LJ driver: " + s.end() + " after " + s.evaluations() + " evaluations");
        }
    }
}
