package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.layers.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code e3j bench --jax}: the e3j timing, then the e3nn-jax reference (python/.venv,
 * {@code e3j_jax.bench_one}) on the same model file and structure, then the ratio. Runs in-process
 * on the small Potential fixture with short times; skipped when the venv is absent. No timing
 * assertions: only that both latencies and a ratio are reported.
 */
class BenchJaxTest {
    static final Path MODEL = Path.of("../tests/fixtures/potential_crystal32/model.safetensors").toAbsolutePath();
    static final Path FIXTURE = Path.of("../tests/fixtures/potential_crystal32/fixture.safetensors").toAbsolutePath();
    static final Path VENV_PYTHON = Path.of("../python/.venv/bin/python").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    /** The fixture's 32-atom periodic crystal (species 31, 33) as an extended-XYZ file. */
    Path crystal() throws Exception {
        SafeTensors f = SafeTensors.open(FIXTURE);
        int[] pbcInts = f.ints("input/pbc");
        boolean[] pbc = {pbcInts[0] != 0, pbcInts[1] != 0, pbcInts[2] != 0};
        Structure s = new Structure(f.ints("input/numbers"), f.doubles("input/positions"), f.doubles("input/cell"), pbc);
        Path p = dir.resolve("crystal.xyz");
        ExtXyz.write(p, List.of(Frame.of(s)));
        return p;
    }

    static double value(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void benchBesideJaxReportsBothLatenciesAndTheRatio() throws Exception {
        assumeTrue(Files.isExecutable(VENV_PYTHON), "python/.venv is absent (bash python/setup_venv.sh)");
        for (boolean energyOnly : new boolean[] {false, true}) {
            List<String> args = new java.util.ArrayList<>(List.of("bench", "--jax", "--model", MODEL.toString(),
                    "-s", crystal().toString(), "--warmup", "0.2", "--time", "0.3"));
            if (energyOnly) {
                args.add("--energy-only");
            }
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.status(), r.out() + r.err());
            String out = r.out();
            double e3jMedian = value(out, "(?m)^e3j latency  min [0-9.]+ us  median ([0-9.]+) us");
            double jaxMin = value(out, "(?m)^JAX latency  min ([0-9.]+) us");
            double jaxMedian = value(out, "(?m)^JAX latency  min [0-9.]+ us  median ([0-9.]+) us");
            double ratio = value(out, "(?m)^ratio JAX/e3j ([0-9.]+)x \\(median\\)");
            assertTrue(e3jMedian > 0 && jaxMin > 0 && jaxMedian >= jaxMin, out);
            assertEquals(jaxMedian / e3jMedian, ratio, 0.01 * ratio + 0.01, out);
            assertTrue(out.contains("e3j bench: 32 atoms, " + (energyOnly ? "energy," : "energy+forces+stress")), out);
            // Same model, same structure: the energies agree to float32 rounding.
            double e3jEnergy = value(out, "(?m)^energy (-?[0-9.]+) eV");
            double jaxEnergy = value(out, "(?m)^JAX energy (-?[0-9.]+) eV");
            assertEquals(e3jEnergy, jaxEnergy, 1e-4 * Math.max(1, Math.abs(e3jEnergy)), out);
        }
    }

    /**
     * A model graph (format version 2, a jax-md NequIP made by jax-md's own code) beside JAX: the graph
     * planner against the graph's JAX interpreter (e3nn-jax's functions) under jax.jit, same energy.
     * Failed before: bench_one loaded version-1 files only ("unsupported e3j model format_version 2").
     */
    @Test
    void aModelGraphBesideJax() throws Exception {
        assumeTrue(Files.isExecutable(VENV_PYTHON), "python/.venv is absent (bash python/setup_venv.sh)");
        Path graph = Path.of("../tests/fixtures/graph/jax_md_lmax2_layers2_periodic/model.safetensors")
                .toAbsolutePath();
        // a periodic Cu/Al crystal (the graph's elements; its cutoff is 2.9 A)
        int n = 32;
        int[] z = new int[n];
        double[] pos = new double[3 * n];
        double a = 3.61;
        double[][] basis = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
        int t = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 2; k++) {
                    for (double[] b : basis) {
                        z[t] = t % 2 == 0 ? 29 : 13;
                        pos[3 * t] = (i + b[0]) * a + 0.03 * ((t * 7) % 5 - 2);
                        pos[3 * t + 1] = (j + b[1]) * a;
                        pos[3 * t + 2] = (k + b[2]) * a;
                        t++;
                    }
                }
            }
        }
        Structure s = new Structure(z, pos, new double[] {2 * a, 0, 0, 0, 2 * a, 0, 0, 0, 2 * a},
                new boolean[] {true, true, true});
        Path xyz = dir.resolve("cual.xyz");
        ExtXyz.write(xyz, List.of(Frame.of(s)));
        Run r = run("bench", "--jax", "--model", graph.toString(), "-s", xyz.toString(), "--warmup", "0.2", "--time",
                "0.3");
        assertEquals(0, r.status(), r.out() + r.err());
        String out = r.out();
        assertTrue(out.contains("e3j bench: 32 atoms, energy+forces+stress"), out);
        double e3jEnergy = value(out, "(?m)^energy (-?[0-9.]+) eV");
        double jaxEnergy = value(out, "(?m)^JAX energy (-?[0-9.]+) eV");
        assertEquals(e3jEnergy, jaxEnergy, 1e-5 * Math.max(1, Math.abs(e3jEnergy)), out);
        assertTrue(value(out, "(?m)^ratio JAX/e3j ([0-9.]+)x \\(median\\)") > 0, out);
    }

    @Test
    void missingVenvIsOneClearLine() throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve("models"));
        String old = System.getProperty("e3j.home");
        System.setProperty("e3j.home", home.toString());
        try {
            Run r = run("bench", "--jax", "--model", MODEL.toString(), "-s", crystal().toString(), "--warmup", "0",
                    "--time", "0.01");
            assertEquals(Main.EXIT_INPUT_ERROR, r.status(), r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("run bash python/setup_venv.sh"), r.err());
        } finally {
            if (old == null) {
                System.clearProperty("e3j.home");
            } else {
                System.setProperty("e3j.home", old);
            }
        }
    }
}
