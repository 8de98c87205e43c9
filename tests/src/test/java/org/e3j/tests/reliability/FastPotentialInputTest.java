package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.e3j.engine.E3jException;
import org.e3j.engine.plan.WorkerPool;
import org.e3j.graph.NeighborList;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.model.FastForceField;
import org.e3j.tests.Crystals;
import org.junit.jupiter.api.Test;

/**
 * The low-level {@link FastPotential} API with careless input (session 9, found by a hostile-input
 * probe): every refused call is one clear {@link E3jException} (not an index error from deep
 * inside), changes nothing staged (the next valid call gives the bits of a fresh instance), and no
 * call returns a NaN energy or stress for non-finite shifts or cells. A refused force-field
 * constructor starts no worker threads.
 */
class FastPotentialInputTest {
    static final Path COPPER = Path.of(System.getProperty("e3j.models", "../models")).resolve("cu-emt.safetensors");

    private static final FastModel MODEL = FastModel.compile(ReferenceModel.load(COPPER));
    private static final AtomsSystem CU = Crystals.fcc(2, 3.61, 0.05, 7);
    private static final NeighborList NL = new NeighborList(MODEL.reference().config.cutoff, 0.0);

    static {
        NL.build(CU.positions(), CU.cellView(), CU.pbcView());
    }

    private static double[] shifts() {
        return Crystals.cartesianShifts(NL, CU.cellView());
    }

    private static FastPotential staged() {
        FastPotential p = new FastPotential(MODEL, 1);
        p.setGraph(CU.numAtoms(), CU.numbersView(), CU.positions(), NL.numCandidates(), NL.candidateSendersView(),
                NL.candidateReceiversView(), shifts());
        return p;
    }

    /** Energy, forces and stress of a valid call, as one array (compared bit for bit). */
    private static double[] valid(FastPotential p) {
        int n = CU.numAtoms();
        double[] f = new double[3 * n];
        double[] s = new double[6];
        double e = p.compute(CU.positions(), null, CU.cellView(), f, s, null); // the staged shifts
        double[] all = Arrays.copyOf(f, 3 * n + 7);
        all[3 * n] = e;
        System.arraycopy(s, 0, all, 3 * n + 1, 6);
        return all;
    }

    /** {@code bad} is refused with a message containing {@code says}, and the instance is unchanged. */
    private static void refusedAndUnchanged(String says, Consumer<FastPotential> bad) {
        double[] fresh;
        try (FastPotential p = staged()) {
            fresh = valid(p);
        }
        try (FastPotential p = staged()) {
            E3jException e = assertThrows(E3jException.class, () -> bad.accept(p));
            assertTrue(e.getMessage().contains(says), e.getMessage());
            assertArrayEquals(fresh, valid(p), "a refused call left the instance changed: " + says);
        }
    }

    @Test
    void badComputeArgumentsAreRefusedBeforeAnythingChanges() {
        int n = CU.numAtoms();
        double[] f = new double[3 * n];
        double[] s = new double[6];
        double[] pos = CU.positions();
        double[] cell = CU.cellView();
        // a shifts array too short used to stage part of itself, then fail with an index error
        refusedAndUnchanged("the shifts", p -> p.compute(pos, new double[12], cell, f, s, null));
        double[] nanShift = shifts();
        nanShift[5] = Double.NaN;
        refusedAndUnchanged("is NaN", p -> p.compute(pos, nanShift, cell, f, s, null));
        refusedAndUnchanged("positions", p -> p.compute(Arrays.copyOf(pos, 5), null, cell, f, s, null));
        refusedAndUnchanged("output arrays too short", p -> p.compute(pos, null, cell, new double[3], s, null));
        refusedAndUnchanged("output arrays too short", p -> p.compute(pos, null, cell, f, new double[5], null));
        refusedAndUnchanged("output arrays too short", p -> p.compute(pos, null, cell, f, s, new double[1]));
        refusedAndUnchanged("the cell", p -> p.compute(pos, null, Arrays.copyOf(cell, 8), f, s, null));
        double[] nanCell = cell.clone();
        nanCell[4] = Double.POSITIVE_INFINITY;
        refusedAndUnchanged("the cell", p -> p.compute(pos, null, nanCell, f, s, null));
        // a stress needs a volume: a singular cell used to give an infinite stress, none a silent nothing
        refusedAndUnchanged("volume", p -> p.compute(pos, null, new double[9], f, s, null));
        refusedAndUnchanged("needs the cell", p -> p.compute(pos, null, null, f, s, null));
    }

    @Test
    void badGraphsAreRefusedAndNothingIsComputedWithoutOne() {
        int n = CU.numAtoms();
        int e = NL.numCandidates();
        double[] nanShift = shifts();
        nanShift[0] = Double.NaN;
        refusedAndUnchanged("the shifts", p -> p.setGraph(n, CU.numbersView(), CU.positions(), e,
                NL.candidateSendersView(), NL.candidateReceiversView(), nanShift));
        double[] nanCell = CU.cellView().clone();
        nanCell[0] = Double.NaN;
        refusedAndUnchanged("the cell", p -> p.setGraph(n, CU.numbersView(), CU.positions(), e,
                NL.candidateSendersView(), NL.candidateReceiversView(), NL.candidateShiftsView(), nanCell));
        refusedAndUnchanged("required", p -> p.setGraph(n, null, CU.positions(), e, NL.candidateSendersView(),
                NL.candidateReceiversView(), shifts()));
        try (FastPotential p = new FastPotential(MODEL, 1)) {
            IllegalStateException none = assertThrows(IllegalStateException.class,
                    () -> p.compute(CU.positions(), null, null, new double[3 * n], null, null));
            assertTrue(none.getMessage().contains("setGraph"), none.getMessage()); // it used to return 0.0
        }
    }

    private static long workerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("e3j-worker-")).count();
    }

    @Test
    void refusedConstructorsStartNoThreads() {
        long before = workerThreads();
        for (int i = 0; i < 5; i++) {
            assertThrows(IllegalArgumentException.class, () -> new FastForceField(MODEL, 4, -1.0));
        }
        // at most as many as before (other tests' closed pools may still be winding down): each
        // refusal used to leave three more
        assertTrue(workerThreads() <= before, "a refused constructor left worker threads running");
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
                () -> new FastPotential(MODEL, WorkerPool.MAX_THREADS + 1));
        assertTrue(many.getMessage().contains("between 1 and " + WorkerPool.MAX_THREADS), many.getMessage());
        assertTrue(workerThreads() <= before);
    }
}
