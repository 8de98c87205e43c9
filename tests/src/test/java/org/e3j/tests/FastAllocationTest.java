package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastWorkspace;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.Test;

/**
 * Steady-state forward allocates nothing: bytes allocated by the calling thread and by the worker
 * threads (ThreadMXBean) over many forwards after warm-up, for 1 and 2 threads; plus the benchmark
 * cases M and C (perf/models: the bench model and the small ones) against the double reference and
 * across thread counts.
 */
class FastAllocationTest {

    static long allocated(List<Thread> threads) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : threads) {
            sum += mx.getThreadAllocatedBytes(t.threadId());
        }
        return sum;
    }

    static List<Thread> participants() {
        List<Thread> ts = new ArrayList<>();
        ts.add(Thread.currentThread());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("e3j-worker-")) {
                ts.add(t);
            }
        }
        return ts;
    }

    static long bytesPerForward(FastWorkspace ws, ModelInput in) {
        ws.setMinWorkPerThread(1);
        ws.setInput(in);
        // steady state: windows of 200 forwards until one allocates nothing (the JIT may need a while
        // on a loaded machine), at most 90 s
        long until = System.nanoTime() + 90_000_000_000L;
        long before;
        long after;
        int runs = 200;
        do {
            List<Thread> ts = participants();
            before = allocated(ts);
            for (int i = 0; i < runs; i++) {
                ws.forward();
            }
            after = allocated(ts);
        } while ((after - before) / runs >= 16 && System.nanoTime() < until);
        return (after - before) / runs;
    }

    @Test
    void forwardAllocatesNothing() throws Exception {
        for (String name : new String[] {"seed_example", "potential_crystal32"}) {
            Path dir = Fixtures.root().resolve(name);
            ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
            ModelInput in = Fixtures.input(SafeTensors.open(dir.resolve("fixture.safetensors")));
            FastModel fm = FastModel.compile(model);
            for (int threads = 1; threads <= 2; threads++) {
                try (FastWorkspace ws = new FastWorkspace(fm, threads, in.numNodes(), in.numEdges())) {
                    long b = bytesPerForward(ws, in);
                    System.out.printf("fast forward %-22s %d thread(s): %d bytes/forward%n", name, threads, b);
                    assertTrue(b < 16, name + " with " + threads + " threads allocates " + b + " bytes per forward");
                }
            }
        }
    }

    static Path benchModels() {
        return Path.of(System.getProperty("e3j.benchModels", "../perf/models"));
    }

    static ModelInput benchCase(String name) {
        SafeTensors f = SafeTensors.open(benchModels().resolve("case_" + name + ".safetensors"));
        return new ModelInput(f.ints("input/numbers"), f.doubles("input/positions"), f.ints("input/senders"),
                f.ints("input/receivers"), f.doubles("input/shifts"), f.ints("input/n_node"));
    }

    /**
     * The side-by-side's models on its structures M and C: the bench model (32 channels, lmax 3) and
     * the small ones of issue #13 (l1x16: lmax 1, 16 channels; l2x8: lmax 2, 8 channels, narrower than
     * a 512-bit vector, so every kernel runs its masked tails), against the reference, bit-identical
     * over 1-3 threads, and allocation-free on C.
     */
    @Test
    void benchCasesMatchReferenceAndThreads() {
        for (String name : new String[] {"bench", "l1x16", "l2x8"}) {
            benchModelMatchesReferenceAndThreads(name);
        }
    }

    private void benchModelMatchesReferenceAndThreads(String name) {
        Path file = benchModels().resolve("potential_" + name + ".safetensors");
        if (!Files.exists(file)) {
            System.out.println("no " + file + ": skipped");
            return;
        }
        ReferenceModel model = ReferenceModel.load(file);
        FastModel fm = FastModel.compile(model);
        System.out.println(name + " plan: " + fm.describe());
        for (String c : new String[] {"M", "C"}) {
            ModelInput in = benchCase(c);
            double ref = model.forward(in).get("output/energy").data()[0];
            double[] first = null;
            for (int t = 1; t <= 3; t++) {
                try (FastWorkspace ws = new FastWorkspace(fm, t, 1, 1)) {
                    ws.setMinWorkPerThread(1);
            ws.setInput(in);
                    ws.forward();
                    double[] ae = new double[in.numNodes() + 1];
                    ws.atomEnergies(ae);
                    ae[in.numNodes()] = ws.energy(0);
                    if (first == null) {
                        first = ae;
                        double err = Math.abs(ws.energy(0) - ref) / Math.max(1, Math.abs(ref));
                        System.out.printf("%s %s: energy fast %.8f ref %.8f rel err %.2e%n", name, c, ws.energy(0), ref,
                                err);
                        assertTrue(err < 1e-5, name + " " + c + ": rel err " + err);
                        if (c.equals("C")) {
                            assertEquals(0, bytesPerForward(ws, in), 16, name + " C: bytes per forward");
                        }
                    } else {
                        assertArrayEquals(first, ae, name + " " + c + ": " + t + " threads differ");
                    }
                }
            }
        }
    }
}
