package org.e3j.perf;

import java.util.Arrays;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;

/**
 * An A/B timer that survives a noisy host: two potentials in one JVM, built with different values of
 * one system property (read when a workspace sizes its buffers, e.g. {@code e3j.fast.radialStoreBytes}),
 * called alternately (A, B, A, B, ...) on the same structure. Neighbours that slow the machine for
 * seconds slow both sides of a pair alike, so the median of the per-pair ratio B/A is stable where
 * two separate runs' medians differ by 20 %. Energy + forces + stress, as {@link QuickForward forces}.
 *
 * <pre>java $(JitFlags) -cp perf/target/benchmarks.jar org.e3j.perf.PairedAB C 1 20 e3j.fast.radialStoreBytes 33554432 0</pre>
 *
 * Prints both medians and minima, and the median and quartiles of B/A over the pairs. A timing
 * tool for tuning, not a result: the JMH and side-by-side runs in perf/README.md are the results.
 *
 * <p>Only properties read per workspace work here: {@code e3j.fast.radialStoreBytes} (and the ones a
 * scratch build adds the same way). Properties read once per JVM ({@code static final}: the tile
 * size, the radial-table switch, the kernel width) would give an A/A comparison without a warning.
 */
public final class PairedAB {
    private PairedAB() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: PairedAB CASE THREADS SECONDS PROPERTY VALUE_A VALUE_B");
            System.exit(2);
        }
        String c = args[0];
        int threads = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        String prop = args[3];
        FastModel fm = FastModel.compile(ReferenceModel.load(ModelForwardBench.modelFile(c)));
        ModelInput in = ModelForwardBench.input(c);
        double[] cell = ModelForcesBench.CELL;
        FastPotential[] pots = new FastPotential[2];
        for (int s = 0; s < 2; s++) {
            System.setProperty(prop, args[4 + s]);
            pots[s] = new FastPotential(fm, threads);
            pots[s].setGraph(in.numNodes(), in.numbers(), in.positions(), in.numEdges(), in.senders(),
                    in.receivers(), in.shifts());
        }
        System.clearProperty(prop);
        double[] f = new double[3 * in.numNodes()];
        double[] stress = new double[6];
        double[] energy = new double[2];
        long end = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < end) {
            for (int s = 0; s < 2; s++) {
                energy[s] = pots[s].compute(in.positions(), null, cell, f, stress, null);
            }
        }
        int cap = 1 << 20;
        long[][] t = new long[2][cap];
        double[] ratio = new double[cap];
        int n = 0;
        end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end && n < cap) {
            // which side goes first alternates too, so a slow-down within a pair is not always B's
            int first = n & 1;
            for (int i = 0; i < 2; i++) {
                int s = first ^ i;
                long t0 = System.nanoTime();
                pots[s].compute(in.positions(), null, cell, f, stress, null);
                t[s][n] = System.nanoTime() - t0;
            }
            ratio[n] = (double) t[1][n] / t[0][n];
            n++;
        }
        for (FastPotential p : pots) {
            p.close();
        }
        Arrays.sort(ratio, 0, n);
        for (int s = 0; s < 2; s++) {
            Arrays.sort(t[s], 0, n);
            System.out.printf("%s %s=%s threads=%d pairs=%d: min %.1f us median %.1f us (energy %.9g)%n", c, prop,
                    args[4 + s], threads, n, t[s][0] / 1e3, t[s][n / 2] / 1e3, energy[s]);
        }
        System.out.printf("B/A per pair: median %.4f, quartiles %.4f .. %.4f%n", ratio[n / 2], ratio[n / 4],
                ratio[3 * n / 4]);
    }
}
