package org.e3j.perf;

import java.lang.management.ManagementFactory;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.model.FastForceField;

/**
 * Heap per atom of an energy + forces evaluation with the fast force field (issue 15, finding 9):
 * fcc copper k x k x k cells (a = 3.61 Å, rattled), the bundled model, the given skin; the heap
 * retained after full GCs with the force field alive minus the same before it was built, and the
 * time of the first and second evaluation.
 *
 * <pre>java --add-modules jdk.incubator.vector -Xmx20g -cp perf/target/benchmarks.jar org.e3j.perf.MemoryProbe 20 0 [threads]</pre>
 */
public final class MemoryProbe {
    private MemoryProbe() {}

    static long retained() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    public static void main(String[] args) throws Exception {
        int k = Integer.parseInt(args[0]);
        double skin = Double.parseDouble(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        FastModel model = FastModel.compile(ReferenceModel.load(ModelForwardBench.root().resolve("models/cu-emt.safetensors")));
        AtomsSystem cu = SkinTax.copper(k, 3.61);
        ForceResult r = new ForceResult(cu.numAtoms());
        long before = retained();
        try (FastForceField ff = new FastForceField(model, threads, skin)) {
            long t0 = System.nanoTime();
            ff.compute(cu, ForceResult.ENERGY | ForceResult.FORCES, r);
            long t1 = System.nanoTime();
            ff.compute(cu, ForceResult.ENERGY | ForceResult.FORCES, r);
            long t2 = System.nanoTime();
            long after = retained();
            long hash = 0;
            for (double f : r.forces()) {
                hash = hash * 31 + Double.doubleToLongBits(f);
            }
            System.out.printf("%d Cu atoms, skin %.1f, %d thread(s): %.0f bytes per atom retained (%.2f GB),"
                    + " first evaluation %.1f s, second %.1f s, %d message pairs, energy %.10f eV (bits %x),"
                    + " force-bits hash %x%n", cu.numAtoms(), skin, threads, (double) (after - before) / cu.numAtoms(),
                    (after - before) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9, ff.messagePairs(), r.energy(),
                    Double.doubleToLongBits(r.energy()), hash);
        }
    }
}
