package org.e3j.md.model;

import java.nio.file.Path;
import org.e3j.engine.plan.SingleCaller;
import org.e3j.graph.NeighborList;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;

/**
 * A {@link ForceField} backed by the fast float32 engine: energy, forces, stress and per-atom
 * energies with no allocation per step.
 *
 * <p>The neighbour list keeps a Verlet skin, and the model is staged with its skin candidates
 * (pairs within cutoff + skin) once per rebuild rather than with the pairs within the cutoff every
 * step; no pair can come within the cutoff before the list is rebuilt. Each step the workspace
 * drops the candidates beyond the cutoff before any message work ({@link FastPotential#cutoffFilter}),
 * so the skin costs one distance per candidate, not a message: exact, since the Potential's messages
 * and their derivatives are identically zero beyond the cutoff (the envelope and its derivative
 * vanish there), and the kept pairs are summed in the same order.
 */
public final class FastForceField implements ForceField {
    /** Verlet skin (Å): rebuilt when an atom moved more than half of it. */
    public static final double DEFAULT_SKIN = 1.0;
    /**
     * {@code -De3j.fast.cutoffFilter=false} turns the per-step cutoff filter off (every skin candidate
     * does message work, as before issue 13): for A/B timing only, the results are the same bits.
     */
    static final boolean CUTOFF_FILTER = !"false".equals(System.getProperty("e3j.fast.cutoffFilter"));

    private final FastModel model;
    private final FastPotential potential;
    private final NeighborSource neighbors;
    private final double cutoff;
    private final double skin;
    private final double[] stress = new double[6];
    private final SingleCaller calls = new SingleCaller("FastForceField");

    public FastForceField(FastModel model, int threads, double skin) {
        if (!model.isPotential()) {
            throw new MdException("a force field needs a Potential model; this file holds a "
                    + model.reference().config.architecture + " (no energy)");
        }
        this.model = model;
        this.cutoff = model.reference().config.cutoff;
        // the arguments are checked before the worker threads start: a refused constructor leaves none
        this.neighbors = new NeighborSource(model.reference().config, skin, false); // candidates only
        this.skin = skin;
        this.potential = new FastPotential(model, threads);
        if (skin > 0 && CUTOFF_FILTER) {
            potential.cutoffFilter(true); // the skin's extra pairs cost nothing in a step
        }
        if (skin == 0) { // single evaluations: buffers sized to the pairs, no headroom for a next step
            potential.workspace().setExactEdgeCapacity(true);
        }
    }

    /** Loads, validates and compiles a model file; {@code threads} workers (1 = the calling thread only). */
    public static FastForceField load(Path path, int threads) {
        return load(path, threads, DEFAULT_SKIN);
    }

    /**
     * As {@link #load(Path, int)} with a Verlet skin (Å): {@link #DEFAULT_SKIN} for MD, 0 for single
     * evaluations (each structure computed once: the pairs within the cutoff only, edge buffers
     * sized to them; ~30 % less memory on Cu than with the skin).
     */
    public static FastForceField load(Path path, int threads, double skin) {
        return new FastForceField(FastModel.compile(ReferenceModel.load(path)), threads, skin);
    }

    /** Neighbour-list rebuilds so far (each restages the model's graph). */
    public int rebuildCount() {
        return neighbors.rebuildCount();
    }

    /**
     * Pairs the model did message work for in the last call: those within the cutoff (the skin
     * candidates beyond it are dropped each step), or every candidate with no skin.
     */
    public int messagePairs() {
        return potential.workspace().numEdges();
    }

    public FastModel model() {
        return model;
    }

    /**
     * Work (edges + nodes) per worker below which fewer workers are used (default 2048: smaller
     * graphs run on the calling thread, where a handoff would cost more than it saves); 1 splits
     * every graph over all workers (tests of the partition). Applies from the next structure staged.
     */
    public FastForceField minWorkPerThread(int work) {
        potential.workspace().setMinWorkPerThread(work);
        return this;
    }

    @Override
    public double cutoff() {
        return cutoff;
    }

    /**
     * {@inheritDoc} A second thread calling while a call is in progress (one force field per thread),
     * or a call after {@link #close()}, gets an {@link IllegalStateException}; a non-finite output
     * an {@link MdException} naming it. The stress is computed only for a cell periodic in all three
     * directions (docs/contracts.md), as by the reference engine.
     */
    @Override
    public void compute(AtomsSystem system, ForceResult out) {
        out.invalidate(); // a refused call leaves no earlier result readable
        calls.enter();
        try {
            computeUnguarded(system, out);
        } finally {
            calls.exit();
        }
        FiniteOutputs.require("the fast engine", system, out);
    }

    private void computeUnguarded(AtomsSystem system, ForceResult out) {
        NeighborList nl = neighbors.update(system);
        double[] pos = system.positions();
        int n = system.numAtoms();
        if (neighbors.stale()) {
            stage(system, nl);
            neighbors.markStaged();
        }
        boolean periodic = system.isPeriodic();
        out.prepare(n);
        if (!out.wants(ForceResult.FORCES) && !out.wants(ForceResult.STRESS)) {
            energyOnly(pos, n, out); // no reverse pass
            return;
        }
        boolean wantStress = fullyPeriodic(system) && out.wants(ForceResult.STRESS);
        double e = potential.compute(pos, null, periodic ? system.cellView() : null, out.forces(),
                wantStress ? stress : null, out.wants(ForceResult.ATOM_ENERGIES) ? out.atomEnergies() : null);
        out.setEnergy(e);
        int available = ForceResult.ENERGY | ForceResult.FORCES;
        if (wantStress) {
            System.arraycopy(stress, 0, out.stress(), 0, 6);
            available |= ForceResult.STRESS;
        }
        if (out.wants(ForceResult.ATOM_ENERGIES)) {
            available |= ForceResult.ATOM_ENERGIES;
        }
        out.markAvailable(available);
    }

    /** A stress needs a volume: a cell periodic along all three vectors (pbc T T F has none). */
    static boolean fullyPeriodic(AtomsSystem system) {
        return system.pbc(0) && system.pbc(1) && system.pbc(2);
    }

    private void energyOnly(double[] pos, int n, ForceResult out) {
        var ws = potential.workspace();
        ws.setPositions(pos);
        ws.forward();
        out.setEnergy(ws.energy(0));
        int available = ForceResult.ENERGY;
        if (out.wants(ForceResult.ATOM_ENERGIES)) {
            ws.atomEnergies(out.atomEnergies());
            available |= ForceResult.ATOM_ENERGIES;
        }
        out.markAvailable(available);
    }

    /** Stages the skin candidates (the workspace computes their Cartesian shifts S @ cell); once per rebuild. */
    private void stage(AtomsSystem system, NeighborList nl) {
        potential.setGraph(system.numAtoms(), system.numbersView(), system.positions(), nl.numCandidates(),
                nl.candidateSendersView(), nl.candidateReceiversView(), nl.candidateShiftsView(), system.cellView());
    }

    @Override
    public void close() {
        calls.close();
        potential.close();
    }

    @Override
    public String toString() {
        return "FastForceField[cutoff " + cutoff + " Å, skin " + skin + " Å, " + model.kernels().name() + "]";
    }
}
