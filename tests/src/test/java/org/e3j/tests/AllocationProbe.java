package org.e3j.tests;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastWorkspace;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;

/**
 * Runs energy + forces (forward, backward) on each fixture named on the command line, in windows of
 * 50 calls, until a window allocates nothing or 60 s pass, and prints one line per fixture:
 * {@code probe: <name> <bytes allocated by the last window> <windows>}. Run by
 * {@link ProfileIndependentAllocationTest} in a JVM of its own, whose JIT flags are the point.
 */
public final class AllocationProbe {
    static final String RESULT = "probe: ";

    private AllocationProbe() {}

    public static void main(String[] args) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (String name : args) {
            Path dir = Fixtures.root().resolve(name);
            ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
            ModelInput in = Fixtures.input(SafeTensors.open(dir.resolve("fixture.safetensors")));
            try (FastWorkspace ws = new FastWorkspace(FastModel.compile(model), 1, in.numNodes(), in.numEdges())) {
                ws.enableForces();
                ws.setInput(in);
                double[] forces = new double[3 * in.numNodes()];
                long until = System.nanoTime() + 60_000_000_000L;
                long window;
                int windows = 0;
                do {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 50; i++) {
                        ws.forward();
                        ws.backward();
                        ws.forces(forces);
                    }
                    window = mx.getCurrentThreadAllocatedBytes() - before;
                    windows++;
                } while (window > 0 && System.nanoTime() < until);
                System.out.println(RESULT + name + " " + window + " " + windows);
            }
        }
    }
}
