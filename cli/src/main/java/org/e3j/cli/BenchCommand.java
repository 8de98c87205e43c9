package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code e3j bench}: latency and throughput of a model on a structure. Warm-up runs until the JIT has
 * settled (a fixed time, as JMH does), then each call is timed; min and median are reported. For
 * JMH-grade numbers with forks and -prof gc use perf/ (perf/README.md).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Latency and throughput of a model on a structure (energy + forces + stress per call).")
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = {"-s", "--structure"}, paramLabel = "FILE",
            description = "structure (extended XYZ, first frame); default: 256-atom fcc Cu")
    Path structure;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "5", description = "warm-up time (default ${DEFAULT-VALUE} s)")
    double warmup;

    @Option(names = "--time", paramLabel = "SECONDS", defaultValue = "5", description = "measurement time (default ${DEFAULT-VALUE} s)")
    double time;

    @Option(names = "--energy-only", description = "time the energy alone (no forces or stress)")
    boolean energyOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!(warmup >= 0) || !(time > 0)) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --time > 0");
        }
        AtomsSystem system = structure != null ? Structures.firstFrame(structure)
                : Structures.fccCopper(4, Structures.CU_LATTICE);
        int flags = energyOnly ? ForceResult.ENERGY
                : ForceResult.ENERGY | ForceResult.FORCES | (system.isPeriodic() ? ForceResult.STRESS : 0);
        ForceResult result = new ForceResult(system.numAtoms());
        try (ForceField ff = engine.open()) {
            long end = System.nanoTime() + (long) (warmup * 1e9);
            long warm = 0;
            do {
                ff.compute(system, flags, result);
                warm++;
            } while (System.nanoTime() < end);
            long[] samples = new long[1 << 16];
            int count = 0;
            end = System.nanoTime() + (long) (time * 1e9);
            while (count < samples.length && (count < 5 || System.nanoTime() < end)) {
                long t0 = System.nanoTime();
                ff.compute(system, flags, result);
                samples[count++] = System.nanoTime() - t0;
            }
            long[] s = Arrays.copyOf(samples, count);
            Arrays.sort(s);
            double min = s[0] / 1e3;
            double median = s[count / 2] / 1e3;
            out.printf("e3j bench: %d atoms, %s, model %s, %s engine, %d thread%s%n", system.numAtoms(),
                    energyOnly ? "energy" : "energy+forces" + (system.isPeriodic() ? "+stress" : ""), engine.modelPath(),
                    engine.engine, engine.threads, engine.threads == 1 ? "" : "s");
            out.printf("warm-up %d calls; measured %d calls%n", warm, count);
            out.printf("latency  min %.1f us  median %.1f us%n", min, median);
            out.printf("throughput %.1f calls/s, %.3g atom-steps/s (median)%n", 1e6 / median,
                    1e6 / median * system.numAtoms());
            out.printf("energy %.8f eV%n", result.energy());
        }
        return 0;
    }
}
