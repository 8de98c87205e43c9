package org.e3j.perf;

import java.util.Arrays;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.fast.FastWorkspace;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;

/**
 * Share of the FMA peak and 2-thread scaling, measured so that neighbours on a shared host cancel
 * out: one JVM runs, in short rounds, the FMA peak loop of {@link FmaPeakBench} (512 bits where the
 * CPU has them, else 256), the forward at 1 and 2 threads and energy + forces + stress at 1 and 2
 * threads (the calls of {@link ModelForwardBench} and {@link ModelForcesBench}), each for
 * {@code BLOCK} seconds, in an order that rotates from round to round. Per round: % of the peak of
 * that round on the model's flops ({@link FastModel#modelFlops}; energy + forces: 3x the forward's,
 * as {@code side_by_side.sh}) from the block medians, and 2 threads over 1 from the same round.
 * Prints the median and quartiles of each per-round figure over the rounds, and the figures of the
 * whole run's medians.
 *
 * <pre>java $(JitFlags) -cp perf/target/benchmarks.jar org.e3j.perf.PairedPeak C 240 0.25</pre>
 *
 * Why: on a host whose other guests slow it by 20-60 % for minutes at a time, a peak measured in
 * one minute and a kernel in the next compare two different machines; within a round of about a
 * second both see the same one. It complements the JMH runs in perf/README.md, it does not replace
 * them: a round's medians are over few calls (energy + forces on C: ~8).
 */
public final class PairedPeak {
    private PairedPeak() {}

    private static final String[] NAMES = {"forward 1t", "forward 2t", "E+F 1t", "E+F 2t"};

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: PairedPeak CASE SECONDS [BLOCK_SECONDS]");
            System.exit(2);
        }
        String c = args[0];
        double seconds = Double.parseDouble(args[1]);
        double block = args.length > 2 ? Double.parseDouble(args[2]) : 0.25;
        FastModel fm = FastModel.compile(ReferenceModel.load(ModelForwardBench.modelFile(c)));
        ModelInput in = ModelForwardBench.input(c);
        double flops = fm.modelFlops(in.numNodes(), in.numEdges());
        double[] cell = ModelForcesBench.CELL;
        double[] f = new double[3 * in.numNodes()];
        double[] stress = new double[6];
        FastWorkspace[] fwd = new FastWorkspace[2];
        FastPotential[] pot = new FastPotential[2];
        for (int t = 0; t < 2; t++) {
            fwd[t] = new FastWorkspace(fm, t + 1, in.numNodes(), in.numEdges());
            fwd[t].setInput(in);
            pot[t] = new FastPotential(fm, t + 1);
            pot[t].setGraph(in.numNodes(), in.numbers(), in.positions(), in.numEdges(), in.senders(), in.receivers(),
                    in.shifts());
        }
        Runnable[] calls = {
            fwd[0]::forward, fwd[1]::forward,
            () -> pot[0].compute(in.positions(), null, cell, f, stress, null),
            () -> pot[1].compute(in.positions(), null, cell, f, stress, null)};
        FmaPeakBench peakBench = new FmaPeakBench();
        peakBench.setup();
        boolean wide = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
        double flopsPerPeakCall = FmaPeakBench.ITER * FmaPeakBench.CHAINS * (wide ? 16 : 8) * 2.0;

        // warm-up: every call and the peak loop compiled before the first round counts
        long warm = System.nanoTime() + (long) Math.max(5e9, seconds * 0.1e9);
        float sink = 0;
        while (System.nanoTime() < warm) {
            for (Runnable r : calls) {
                r.run();
            }
            sink += wide ? peakBench.fma512() : peakBench.fma256();
        }

        int maxRounds = 100_000;
        double[][] rounds = new double[5][maxRounds]; // [peak Gflop/s, median ns of each call kind]
        long[] scratch = new long[1 << 16];
        long[][] all = new long[4][1 << 20];
        int[] allN = new int[4];
        long blockNs = (long) (block * 1e9);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int n = 0;
        while (System.nanoTime() < end && n < maxRounds) {
            for (int slot = 0; slot < 5; slot++) {
                int what = (slot + n) % 5; // 0 = peak, 1..4 = calls; the order rotates per round
                if (what == 0) {
                    long calls0 = 0;
                    long t0 = System.nanoTime();
                    long stop = t0 + blockNs;
                    long now;
                    do {
                        sink += wide ? peakBench.fma512() : peakBench.fma256();
                        calls0++;
                    } while ((now = System.nanoTime()) < stop);
                    rounds[0][n] = calls0 * flopsPerPeakCall / (now - t0); // flop/ns = Gflop/s
                } else {
                    Runnable r = calls[what - 1];
                    int k = 0;
                    long stop = System.nanoTime() + blockNs;
                    do {
                        long t0 = System.nanoTime();
                        r.run();
                        long dt = System.nanoTime() - t0;
                        scratch[k++] = dt;
                        if (allN[what - 1] < all[what - 1].length) {
                            all[what - 1][allN[what - 1]++] = dt;
                        }
                    } while (System.nanoTime() < stop && k < scratch.length);
                    Arrays.sort(scratch, 0, k);
                    rounds[what][n] = scratch[k / 2];
                }
            }
            n++;
        }
        for (int t = 0; t < 2; t++) {
            fwd[t].close();
            pot[t].close();
        }
        double[] peak = Arrays.copyOf(rounds[0], n);
        double[][] share = new double[4][n];
        double[] scaleFwd = new double[n];
        double[] scaleEf = new double[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 4; k++) {
                double work = flops * (k >= 2 ? 3 : 1);
                int threads = (k % 2) + 1;
                share[k][i] = 100 * work / rounds[k + 1][i] / (rounds[0][i] * threads);
            }
            scaleFwd[i] = rounds[1][i] / rounds[2][i];
            scaleEf[i] = rounds[3][i] / rounds[4][i];
        }
        System.out.printf("%s: %d rounds of 5 blocks x %.2f s (%s-bit FMA peak), model flops %.4g per forward (checksum %s)%n",
                c, n, block, wide ? "512" : "256", flops, sink == 42 ? "!" : ".");
        System.out.printf("FMA peak per round, Gflop/s: %s%n", quartiles(peak));
        for (int k = 0; k < 4; k++) {
            long[] a = Arrays.copyOf(all[k], allN[k]);
            Arrays.sort(a);
            System.out.printf("%-10s: %d calls, min %.1f us, median %.1f us; %% of the round's peak%s: %s%n", NAMES[k],
                    a.length, a[0] / 1e3, a[a.length / 2] / 1e3, k >= 2 ? " (3x forward flops)" : "", quartiles(share[k]));
        }
        System.out.printf("2 threads over 1, per round: forward %s; E+F %s%n", quartiles(scaleFwd), quartiles(scaleEf));
    }

    /** "median (quartiles q1 .. q3)" of a copy of x. */
    static String quartiles(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        return String.format("median %.2f (quartiles %.2f .. %.2f)", s[n / 2], s[n / 4], s[3 * n / 4]);
    }
}
