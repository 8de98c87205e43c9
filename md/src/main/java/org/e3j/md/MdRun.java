package org.e3j.md;

import java.util.Arrays;
import org.e3j.graph.StructureException;

/**
 * The MD loop: an {@link Integrator} stepping an {@link AtomsSystem} under a {@link ForceField},
 * with observers called every k steps and a blow-up guard.
 *
 * <p>Observers receive this run and read {@link #step()}, {@link #timeFs()},
 * {@link #temperature()}, {@link #potentialEnergy()}, {@link #kineticEnergy()},
 * {@link #totalEnergy()}, {@link #drift()}, {@link #system()} and {@link #result()}; nothing is
 * allocated to call them. Step 0 (the initial state) is observed by the first {@link #run(long)};
 * a run that {@link #continueFrom continues} an earlier one starts counting at that run's last step
 * and time instead.
 * An observer registered with {@link #observeWithStress} makes the run request the stress on the
 * steps it observes, and only on those.
 *
 * <p>The guard runs after every step, before any observer, so a trajectory never receives a NaN
 * frame. It stops the run with an {@link MdException} naming the step and the atom when the
 * energy, a force, a position or a velocity is NaN or infinite, when a force exceeds
 * {@link #maxForce(double)}, or when the potential energy jumps by more than
 * {@link #maxEnergyJumpPerAtom(double)} × N in one step (an absurd jump: a real trajectory moves
 * energy by far less than 1 eV per atom per step, a model extrapolating into nonsense does not).
 * For a jump or a large force the culprit named is the atom with the largest force.
 *
 * <p>Steady state allocates nothing: the integrator, the force field, the guard and the
 * bookkeeping reuse their buffers (a neighbour-list rebuild inside the force field may).
 */
public final class MdRun {

    /** Called every k steps with the run, whose getters describe the current state. */
    @FunctionalInterface
    public interface Observer {
        void observe(MdRun run);
    }

    private final AtomsSystem system;
    private final ForceField ff;
    private final Integrator integrator;
    private final ForceResult result;

    private Observer[] observers = new Observer[0];
    private int[] intervals = new int[0];
    private boolean[] wantsStress = new boolean[0];

    private double maxEnergyJumpPerAtom = 1.0;
    private double maxForce = 1.0e4;

    private boolean initialized;
    private long step;
    /** Where the clock started: 0, or the step and time of the run this one continues. */
    private long startStep;
    private double startTimeFs;
    private double initialTotal;
    private double previousEpot;
    private double ekin;

    public MdRun(AtomsSystem system, ForceField ff, Integrator integrator) {
        this(system, ff, integrator, new ForceResult(system.numAtoms()));
    }

    /** With a caller-owned result (e.g. to request per-atom energies every step). */
    public MdRun(AtomsSystem system, ForceField ff, Integrator integrator, ForceResult result) {
        this.system = system;
        this.ff = ff;
        this.integrator = integrator;
        this.result = result;
        result.request(result.requested() | ForceResult.ENERGY | ForceResult.FORCES);
        system.validate();
    }

    /** Calls {@code o} every {@code every} steps (and at step 0). */
    public MdRun observe(int every, Observer o) {
        return add(every, o, false);
    }

    /** As {@link #observe}, and requests the stress on the observed steps (e.g. for a trajectory). */
    public MdRun observeWithStress(int every, Observer o) {
        return add(every, o, true);
    }

    private MdRun add(int every, Observer o, boolean stress) {
        if (every < 1) {
            throw new IllegalArgumentException("observer interval must be >= 1, got " + every);
        }
        int k = observers.length;
        observers = Arrays.copyOf(observers, k + 1);
        intervals = Arrays.copyOf(intervals, k + 1);
        wantsStress = Arrays.copyOf(wantsStress, k + 1);
        observers[k] = o;
        intervals[k] = every;
        wantsStress[k] = stress;
        return this;
    }

    /** Largest allowed change of the potential energy in one step, eV per atom (default 1). */
    public MdRun maxEnergyJumpPerAtom(double ev) {
        if (!(ev > 0)) {
            throw new IllegalArgumentException("energy jump bound must be positive, got " + ev);
        }
        this.maxEnergyJumpPerAtom = ev;
        return this;
    }

    /** Largest allowed force magnitude |F| on any atom, eV/Å (default 1e4). */
    public MdRun maxForce(double evPerA) {
        if (!(evPerA > 0)) {
            throw new IllegalArgumentException("force bound must be positive, got " + evPerA);
        }
        this.maxForce = evPerA;
        return this;
    }

    /**
     * Continues an earlier run: step numbers and time go on from {@code step} and {@code timeFs}
     * (the state, velocities included, is the system's). Call before the first {@link #run}.
     * Observers see this first state as step {@code step}; the drift is measured from it.
     */
    public MdRun continueFrom(long step, double timeFs) {
        if (initialized) {
            throw new IllegalStateException("continueFrom must be called before the run starts");
        }
        if (step < 0 || !Double.isFinite(timeFs)) {
            throw new IllegalArgumentException("cannot continue from step " + step + ", time " + timeFs + " fs");
        }
        this.step = step;
        this.startStep = step;
        this.startTimeFs = timeFs;
        return this;
    }

    /** Runs {@code steps} more steps (the first call also evaluates and observes step 0). */
    public void run(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("negative step count " + steps);
        }
        int base = result.requested() & ~ForceResult.STRESS;
        if (!initialized) {
            result.request(base | stressBit(0));
            wrap(() -> integrator.init(system, ff, result));
            guard(false);
            initialTotal = result.energy() + ekin;
            initialized = true;
            notifyObservers();
        }
        for (long k = 0; k < steps; k++) {
            result.request(base | stressBit(step + 1));
            try {
                integrator.step(system, ff, result);
            } catch (StructureException e) {
                int atom = system.firstNonFinite();
                throw new MdException("MD stopped at step " + (step + 1) + " (t = "
                        + (timeFs() + integrator.timestepFs()) + " fs): " + e.getMessage(), step + 1, atom, e);
            }
            step++;
            guard(true);
            notifyObservers();
        }
    }

    /**
     * Calls {@code o} now, on the current state, with the stress evaluated if {@code stress} and the
     * last step did not (one more force call at the same positions: the engine is deterministic, so
     * energy and forces are unchanged). For the last step of a run that is not a multiple of an
     * observer's interval: a trajectory must end where the run ended.
     */
    public void observeNow(Observer o, boolean stress) {
        if (!initialized) {
            throw new IllegalStateException("observeNow needs a started run");
        }
        if (stress && !result.has(ForceResult.STRESS)) {
            int base = result.requested();
            try {
                ff.compute(system, base | ForceResult.STRESS, result);
            } catch (StructureException e) {
                throw new MdException("MD stopped at step " + step + " (t = " + timeFs() + " fs): " + e.getMessage(),
                        step, system.firstNonFinite(), e);
            }
            result.request(base);
        }
        o.observe(this);
    }

    private void wrap(Runnable r) {
        try {
            r.run();
        } catch (StructureException e) {
            throw new MdException("MD cannot start: " + e.getMessage(), 0, system.firstNonFinite(), e);
        }
    }

    private int stressBit(long s) {
        for (int k = 0; k < observers.length; k++) {
            if (wantsStress[k] && s % intervals[k] == 0) {
                return ForceResult.STRESS;
            }
        }
        return 0;
    }

    private void notifyObservers() {
        for (int k = 0; k < observers.length; k++) {
            if (step % intervals[k] == 0) {
                observers[k].observe(this);
            }
        }
    }

    /** The blow-up guard; allocates only when it throws. */
    private void guard(boolean checkJump) {
        int n = system.numAtoms();
        double[] f = result.forces();
        int worst = -1;
        double worstF2 = -1;
        for (int i = 0; i < n; i++) {
            double fx = f[3 * i], fy = f[3 * i + 1], fz = f[3 * i + 2];
            double f2 = fx * fx + fy * fy + fz * fz;
            if (!Double.isFinite(f2)) {
                throw blowUp("atom " + i + " (" + system.symbol(i) + ") has a non-finite force ("
                        + fx + ", " + fy + ", " + fz + ") eV/Å", i);
            }
            if (f2 > worstF2) {
                worstF2 = f2;
                worst = i;
            }
        }
        int bad = system.firstNonFinite();
        if (bad >= 0) {
            double[] x = system.positions();
            double[] v = system.velocities();
            throw blowUp("atom " + bad + " (" + system.symbol(bad) + ") has a non-finite position ("
                    + x[3 * bad] + ", " + x[3 * bad + 1] + ", " + x[3 * bad + 2] + ") or velocity (" + v[3 * bad] + ", "
                    + v[3 * bad + 1] + ", " + v[3 * bad + 2] + ")", bad);
        }
        double e = result.energy();
        if (!Double.isFinite(e)) {
            throw blowUp("the potential energy is " + e + " (largest force on atom " + worst + ")", worst);
        }
        if (Math.sqrt(worstF2) > maxForce) {
            throw blowUp("atom " + worst + " (" + system.symbol(worst) + ") has a force of " + Math.sqrt(worstF2)
                    + " eV/Å, above the bound " + maxForce + " eV/Å", worst);
        }
        if (checkJump && Math.abs(e - previousEpot) > maxEnergyJumpPerAtom * n) {
            throw blowUp("the potential energy jumped from " + previousEpot + " to " + e + " eV in one step (more than "
                    + maxEnergyJumpPerAtom + " eV/atom); largest force on atom " + worst + " (" + system.symbol(worst)
                    + ", " + Math.sqrt(worstF2) + " eV/Å)", worst);
        }
        previousEpot = e;
        ekin = Thermo.kineticEnergy(system);
        if (!Double.isFinite(ekin)) {
            throw blowUp("the kinetic energy is " + ekin, worst);
        }
    }

    private MdException blowUp(String what, int atom) {
        return new MdException("MD blew up at step " + step + " (t = " + timeFs() + " fs): " + what, step, atom);
    }

    /** Steps done so far. */
    public long step() {
        return step;
    }

    /** Simulated time, fs (counted from the start of the run this one continues, if any). */
    public double timeFs() {
        return startTimeFs + (step - startStep) * integrator.timestepFs();
    }

    public double potentialEnergy() {
        return result.energy();
    }

    public double kineticEnergy() {
        return ekin;
    }

    public double totalEnergy() {
        return result.energy() + ekin;
    }

    /** Instantaneous temperature, K (3N degrees of freedom, as ASE). */
    public double temperature() {
        return Thermo.temperature(ekin, 3 * system.numAtoms());
    }

    /** Change of the total energy since step 0, eV per atom. */
    public double drift() {
        return (totalEnergy() - initialTotal) / system.numAtoms();
    }

    public AtomsSystem system() {
        return system;
    }

    public ForceResult result() {
        return result;
    }

    public Integrator integrator() {
        return integrator;
    }

    public ForceField forceField() {
        return ff;
    }
}
