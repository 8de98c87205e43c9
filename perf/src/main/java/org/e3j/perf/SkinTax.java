package org.e3j.perf;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.e3j.graph.NeighborList;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.model.FastForceField;

/**
 * The skin tax (issue 13, item 2), an A/B timer like {@link QuickForward}: energy + forces + stress
 * of one structure either as the MD force call ({@code md}: {@code FastForceField.compute}, Verlet
 * skin 1 Å, neighbour-list check included) or as the model on the exact graph ({@code exact}:
 * {@code FastPotential.compute} staged with the pairs within the cutoff). Prints min and median per
 * call. Cases: {@code C} (the bench model on case C, 256 atoms, cubic cell 14.44 Å) and
 * {@code cu2048} (the bundled copper model, 8 x 8 x 8 fcc cells, a = 3.59 Å, rattled 0.05 Å).
 * Run the old behaviour with {@code -De3j.fast.cutoffFilter=false}.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp perf/target/benchmarks.jar org.e3j.perf.SkinTax C 1 10 md</pre>
 */
public final class SkinTax {
    private SkinTax() {}

    public static void main(String[] args) throws Exception {
        String c = args[0];
        int threads = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        boolean md = args[3].equals("md");
        Path modelFile = c.equals("cu2048") ? ModelForwardBench.root().resolve("models/cu-emt.safetensors")
                : ModelForwardBench.modelFile(c);
        FastModel fm = FastModel.compile(ReferenceModel.load(modelFile));
        AtomsSystem sys = c.equals("cu2048") ? copper(8, 3.59) : caseSystem(ModelForwardBench.input(c), 14.44);
        int n = sys.numAtoms();
        Runnable call;
        AutoCloseable res;
        String edges;
        if (md) {
            FastForceField ff = new FastForceField(fm, threads, FastForceField.DEFAULT_SKIN);
            ForceResult r = new ForceResult(n);
            int want = ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS;
            call = () -> ff.compute(sys, want, r);
            call.run();
            edges = ff.messagePairs() + " message pairs";
            res = ff;
        } else {
            FastPotential pot = new FastPotential(fm, threads);
            NeighborList nl = new NeighborList(fm.reference().config.cutoff, 0.0).withoutVectors();
            nl.build(sys.positions(), sys.cellView(), sys.pbcView());
            pot.setGraph(n, sys.numbersView(), sys.positions(), nl.numEdges(), nl.senders(), nl.receivers(),
                    nl.shifts(), sys.cellView());
            double[] f = new double[3 * n];
            double[] s = new double[6];
            call = () -> pot.compute(sys.positions(), null, sys.cellView(), f, s, null);
            edges = nl.numEdges() + " exact pairs";
            res = pot;
        }
        long end = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < end) {
            call.run();
        }
        long[] t = new long[1 << 20];
        int k = 0;
        end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end && k < t.length) {
            long t0 = System.nanoTime();
            call.run();
            t[k++] = System.nanoTime() - t0;
        }
        Arrays.sort(t, 0, k);
        System.out.printf("%s threads=%d %s (%s, cutoffFilter %s) n=%d min %.2f ms median %.2f ms%n", c, threads,
                md ? "md" : "exact", edges, System.getProperty("e3j.fast.cutoffFilter", "true"), k, t[0] / 1e6,
                t[k / 2] / 1e6);
        res.close();
    }

    static AtomsSystem caseSystem(ModelInput in, double l) {
        return new AtomsSystem(in.numbers(), in.positions(), null, null, new double[] {l, 0, 0, 0, l, 0, 0, 0, l},
                new boolean[] {true, true, true});
    }

    /** fcc copper, k^3 conventional cells, rattled by up to 0.025 Å per coordinate (seeded). */
    static AtomsSystem copper(int k, double a) {
        double[][] basis = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
        SplittableRandom rng = new SplittableRandom(3);
        int n = 4 * k * k * k;
        int[] z = new int[n];
        double[] p = new double[3 * n];
        int i = 0;
        for (int x = 0; x < k; x++) {
            for (int y = 0; y < k; y++) {
                for (int w = 0; w < k; w++) {
                    for (double[] b : basis) {
                        z[i] = 29;
                        p[3 * i] = (x + b[0]) * a + 0.05 * (rng.nextDouble() - 0.5);
                        p[3 * i + 1] = (y + b[1]) * a + 0.05 * (rng.nextDouble() - 0.5);
                        p[3 * i + 2] = (w + b[2]) * a + 0.05 * (rng.nextDouble() - 0.5);
                        i++;
                    }
                }
            }
        }
        double l = k * a;
        return new AtomsSystem(z, p, null, null, new double[] {l, 0, 0, 0, l, 0, 0, 0, l},
                new boolean[] {true, true, true});
    }
}
