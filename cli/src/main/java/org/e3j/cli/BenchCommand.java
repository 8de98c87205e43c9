package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.e3j.graph.io.ExtXyz;
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
 *
 * <p>With {@code --jax} the same model file and structure (written to a temporary extended-XYZ
 * file) are then timed on the e3nn-jax reference, {@code python -m e3j_jax.bench_one} in the
 * project venv ({@code python/.venv}), and both latencies and their ratio are printed.
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

    @Option(names = "--jax", description = "also time the e3nn-jax reference (python/.venv, XLA's default CPU threads) on the same"
                    + " model and structure, and print both latencies and their ratio")
    boolean jax;

    /** Longest --time and --warmup: a day (a benchmark, not a soak). */
    static final double MAX_SECONDS = 86400;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        engine.validate();
        PrintWriter out = spec.commandLine().getOut();
        if (!(warmup >= 0 && warmup <= MAX_SECONDS) || !(time > 0 && time <= MAX_SECONDS)) {
            // also NaN and infinity; beyond a day the nanosecond clock arithmetic would not honour it
            throw new OptionException("--warmup must be from 0 and --time above 0, both at most " + (long) MAX_SECONDS
                    + " s (one day), got --warmup " + warmup + " --time " + time);
        }
        if (jax) {
            venvPython(); // fail before the e3j run when the venv is missing
        }
        AtomsSystem system = structure != null ? Structures.firstFrame(structure)
                : Structures.fccCopper(4, Structures.CU_LATTICE);
        int flags = energyOnly ? ForceResult.ENERGY
                : ForceResult.ENERGY | ForceResult.FORCES | (system.isPeriodic() ? ForceResult.STRESS : 0);
        ForceResult result = new ForceResult(system.numAtoms());
        String where = structure != null ? structure.toString() : "the built-in fcc Cu crystal";
        try (ForceField ff = engine.open()) {
            // A benchmark of a model that returns NaN measures nothing: refuse before the warm-up.
            ff.compute(system, flags, result);
            FiniteResults.require(result, system.numAtoms(), where, "nothing to measure");
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
            FiniteResults.require(result, system.numAtoms(), where, "nothing to measure"); // the energy printed below
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
            if (jax) {
                out.flush();
                JaxResult j = runJax(system);
                out.printf("JAX reference (jax %s, e3nn-jax %s, %d edges): measured %d calls%n", j.jaxVersion(),
                        j.e3nnVersion(), j.edges(), j.calls());
                out.printf("JAX latency  min %.1f us  median %.1f us%n", j.minUs(), j.medianUs());
                out.printf("JAX energy %.8f eV%n", j.energy());
                out.printf("e3j latency  min %.1f us  median %.1f us%n", min, median);
                out.printf("ratio JAX/e3j %.2fx (median), %.2fx (min): e3j is %s%n", j.medianUs() / median,
                        j.minUs() / min, j.medianUs() >= median ? "faster" : "slower");
            }
        }
        return 0;
    }

    record JaxResult(double minUs, double medianUs, int calls, int edges, double energy, String jaxVersion,
            String e3nnVersion) {}

    /** The project venv's interpreter, or a one-line error saying how to make it. */
    static Path venvPython() throws IOException {
        Path python = Defaults.home().resolve("python/.venv/bin/python").toAbsolutePath().normalize();
        if (!Files.isExecutable(python)) {
            throw new IOException("--jax needs the project venv " + python
                    + " (run bash python/setup_venv.sh in the e3j folder)");
        }
        return python;
    }

    private JaxResult runJax(AtomsSystem system) throws IOException {
        Path python = venvPython();
        Path tmp = Files.createTempDirectory("e3j-bench-jax");
        try {
            Path xyz = tmp.resolve("structure.xyz");
            ExtXyz.write(xyz, List.of(system.toFrame(false)));
            Path stdout = tmp.resolve("stdout.txt");
            Path stderr = tmp.resolve("stderr.txt");
            List<String> cmd = new ArrayList<>(List.of(python.toString(), "-m", "e3j_jax.bench_one",
                    "--model", engine.modelPath().toAbsolutePath().toString(), "--structure", xyz.toString(),
                    "--warmup", Double.toString(warmup), "--time", Double.toString(time)));
            if (energyOnly) {
                cmd.add("--energy-only");
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            pb.environment().putIfAbsent("JAX_PLATFORMS", "cpu");
            Path pythonSrc = Defaults.home().resolve("python").toAbsolutePath().normalize();
            String pp = pb.environment().get("PYTHONPATH");
            pb.environment().put("PYTHONPATH", pp == null || pp.isEmpty() ? pythonSrc.toString()
                    : pythonSrc + java.io.File.pathSeparator + pp);
            Process p = pb.start();
            p.getOutputStream().close();
            long limit = 600 + (long) Math.ceil(2 * (warmup + time));
            boolean done;
            try {
                done = p.waitFor(limit, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("--jax: interrupted");
            }
            if (!done) {
                p.destroyForcibly();
                throw new IOException("--jax: the JAX benchmark did not finish in " + limit + " s");
            }
            String err = Files.readString(stderr, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                String[] lines = err.split("\\R");
                throw new IOException("--jax: " + String.join(" ", cmd.subList(0, 3)) + " failed (status "
                        + p.exitValue() + "): " + (lines.length == 0 ? "" : lines[lines.length - 1]));
            }
            String json = null;
            for (String line : Files.readAllLines(stdout, StandardCharsets.UTF_8)) {
                if (line.strip().startsWith("{")) {
                    json = line.strip();
                }
            }
            if (json == null) {
                throw new IOException("--jax: no result line from e3j_jax.bench_one");
            }
            return new JaxResult(number(json, "min_us"), number(json, "median_us"), (int) number(json, "n"),
                    (int) number(json, "nedges"), number(json, "energy"), string(json, "jax"), string(json, "e3nn_jax"));
        } finally {
            try (var files = Files.list(tmp)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(tmp);
        }
    }

    private static double number(String json, String key) throws IOException {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\\s*(-?[0-9.eE+-]+|NaN|-?Infinity)").matcher(json);
        if (!m.find()) {
            throw new IOException("--jax: no " + key + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    private static String string(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "?";
    }
}
