package org.e3j.perf;

import java.util.Arrays;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.fast.FastWorkspace;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;

/**
 * A quick A/B timer for tuning on a shared machine (not a result: use JMH for those): runs the
 * forward (or energy + forces + stress with {@code forces}) of a case of {@link ModelForwardBench}
 * for a warm-up and then {@code seconds}, and prints min and median per call in µs. The minimum is
 * the robust statistic when other processes take the cores part of the time.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp perf/target/benchmarks.jar org.e3j.perf.QuickForward C 1 10 [forces]</pre>
 */
public final class QuickForward {
    private QuickForward() {}

    public static void main(String[] args) {
        String c = args[0];
        int threads = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        boolean forces = args.length > 3 && args[3].startsWith("forces");
        boolean raw = args.length > 3 && args[3].equals("forces-raw");
        FastModel fm = FastModel.compile(ReferenceModel.load(ModelForwardBench.modelFile(c)));
        ModelInput in = ModelForwardBench.input(c);
        Runnable call;
        AutoCloseable res;
        if (forces) {
            FastPotential pot = new FastPotential(fm, threads);
            pot.setGraph(in.numNodes(), in.numbers(), in.positions(), in.numEdges(), in.senders(), in.receivers(),
                    in.shifts());
            double[] f = new double[3 * in.numNodes()];
            double[] s = new double[6];
            double[] cell = ModelForcesBench.CELL;
            FastWorkspace w = pot.workspace();
            call = raw ? () -> {
                w.forward();
                w.backward();
            } : () -> pot.compute(in.positions(), null, cell, f, s, null);
            res = pot;
        } else {
            FastWorkspace ws = new FastWorkspace(fm, threads, in.numNodes(), in.numEdges());
            ws.setInput(in);
            call = ws::forward;
            res = ws;
        }
        long end = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < end) {
            call.run();
        }
        long[] t = new long[1 << 20];
        int n = 0;
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long a0 = mx.getCurrentThreadAllocatedBytes();
        end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end && n < t.length) {
            long t0 = System.nanoTime();
            call.run();
            t[n++] = System.nanoTime() - t0;
        }
        long bytes = mx.getCurrentThreadAllocatedBytes() - a0;
        Arrays.sort(t, 0, n);
        System.out.printf("%s threads=%d %s n=%d min %.1f us median %.1f us, caller thread %.1f B/call%n", c, threads,
                forces ? "forces" : "forward", n, t[0] / 1e3, t[n / 2] / 1e3, (double) bytes / n);
        try {
            res.close();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
