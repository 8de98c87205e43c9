package org.e3j.md.lammps;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;

/**
 * An e3j {@link ForceField} as the forces of a LAMMPS {@code fix external pf/callback}: LAMMPS
 * integrates, thermostats and writes; at every force evaluation it calls back here with the local
 * atoms, and e3j returns energy, forces and the global virial.
 *
 * <p><b>Units</b>: LAMMPS {@code units metal} (Å, eV, eV/Å) are e3j's; other unit styles are
 * refused at the first call. <b>Box</b>: LAMMPS's cell is a = (xhi−xlo, 0, 0), b = (xy, yhi−ylo, 0),
 * c = (xz, yz, zhi−zlo); a dimension is periodic when LAMMPS says so. Only the {@code nlocal} local
 * atoms are used (no ghosts): e3j builds its own periodic neighbour list, which accepts atoms
 * outside the box (LAMMPS re-wraps only at re-neighbouring). This is why the run must be serial
 * (one MPI rank): with several ranks each would see only its sub-domain.
 *
 * <p><b>Virial</b>: LAMMPS wants W = Σ r ⊗ f in energy units, order xx yy zz xy xz yz, with the
 * pressure P = (N k T + W) / V. For a periodic cell the model's stress σ (ASE's sign, eV/Å³) gives
 * W = −V σ; for a box with a non-periodic dimension W = Σ r_i ⊗ f_i over the local atoms
 * (symmetrised; the forces sum to zero, so the origin does not matter). That is exact without
 * periodic dimensions and ignores cross-boundary pairs with mixed ones (a slab's pressure is not
 * meaningful; its forces and energy are).
 *
 * <p><b>Failures</b>: a Java exception must not cross into C, so the callback catches everything,
 * zeroes the forces, asks LAMMPS to stop the run at the end of the step
 * ({@code lammps_force_timeout}), and {@link LammpsScript} rethrows the stored error afterwards.
 */
public final class FixExternalForces {
    private final Lammps lammps;
    private final ForceField forceField;
    private final int[] numberOfType; // atomic number of LAMMPS type t at t-1
    private final String[] elementOfType;
    private final MemorySegment fixId;
    private final String fixName;
    private final MemorySegment virialOut;
    private final ForceResult out = new ForceResult();
    private final boolean[] periodic = new boolean[3];
    private final double[] cell = new double[9];
    private AtomsSystem system;
    private int[] types = new int[0];
    private RuntimeException failure;
    private long evaluations;
    private long lastStep = -1;
    private boolean unitsChecked;

    /**
     * @param numberOfType atomic number of LAMMPS atom type i at index i−1 ({@code --elements})
     */
    FixExternalForces(Lammps lammps, String fixName, ForceField forceField, int[] numberOfType,
            String[] elementOfType) {
        this.lammps = lammps;
        this.forceField = forceField;
        this.numberOfType = numberOfType.clone();
        this.elementOfType = elementOfType.clone();
        this.fixName = fixName;
        this.fixId = lammps.arena().allocateFrom(fixName);
        this.virialOut = lammps.arena().allocate(JAVA_DOUBLE, 6);
    }

    /** Registers this object as the fix's callback (the upcall stub lives as long as the LAMMPS instance). */
    void attach() {
        try {
            MethodHandle mh = MethodHandles.lookup().findVirtual(FixExternalForces.class, "callback",
                    MethodType.methodType(void.class, MemorySegment.class, long.class, int.class, MemorySegment.class,
                            MemorySegment.class, MemorySegment.class)).bindTo(this);
            MemorySegment stub = lammps.linker().upcallStub(mh, Lammps.CALLBACK, lammps.arena());
            lammps.setFixExternalCallback(fixName, stub);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first error raised inside the callback, or null. */
    RuntimeException failure() {
        return failure;
    }

    /** How many times LAMMPS asked for forces. */
    public long evaluations() {
        return evaluations;
    }

    /** Called by LAMMPS (fix external, post_force) on the thread running the input. */
    @SuppressWarnings("unused")
    private void callback(MemorySegment caller, long step, int nlocal, MemorySegment ids, MemorySegment x,
            MemorySegment f) {
        MemorySegment forces = nlocal > 0 ? Lammps.block(f, nlocal) : MemorySegment.NULL;
        if (failure != null) {
            stop(forces);
            return;
        }
        try {
            compute(step, nlocal, x, forces);
        } catch (Throwable t) {
            String why = t.getMessage() != null ? t.getMessage() : t.toString();
            failure = new LammpsException("fix " + fixName + ", step " + step + ": " + why, t);
            stop(forces);
        }
    }

    private void stop(MemorySegment forces) {
        if (forces.byteSize() > 0) {
            forces.fill((byte) 0);
        }
        try {
            lammps.forceTimeout();
        } catch (Throwable ignored) {
            // nothing more can be done from inside the callback
        }
    }

    private void compute(long step, int nlocal, MemorySegment x, MemorySegment forces) {
        if (!unitsChecked) {
            checkUnits();
            unitsChecked = true;
        }
        if (nlocal < 1) {
            throw new LammpsException(nlocal + " local atoms (e3j needs a serial LAMMPS run with at least one"
                    + " atom)");
        }
        double[] box = lammps.box(periodic);
        cell[0] = box[3] - box[0];
        cell[1] = 0;
        cell[2] = 0;
        cell[3] = box[6];
        cell[4] = box[4] - box[1];
        cell[5] = 0;
        cell[6] = box[8];
        cell[7] = box[7];
        cell[8] = box[5] - box[2];
        int[] t = lammps.types(nlocal);
        double[] pos = Lammps.rows(x, nlocal);
        if (system == null || system.numAtoms() != nlocal || !Arrays.equals(t, types)) {
            int[] numbers = new int[nlocal];
            for (int i = 0; i < nlocal; i++) {
                if (t[i] < 1 || t[i] > numberOfType.length) {
                    throw new LammpsException("atom type " + t[i] + " has no element: --elements lists "
                            + numberOfType.length + " (" + String.join(",", elementOfType) + "), LAMMPS type i is the"
                            + " i-th element");
                }
                numbers[i] = numberOfType[t[i] - 1];
            }
            system = new AtomsSystem(numbers, pos, null, null, cell, periodic);
            types = t;
        } else {
            System.arraycopy(pos, 0, system.positions(), 0, pos.length);
            if (!Arrays.equals(cell, system.cellView())) {
                system.setCell(cell, false);
            }
        }
        boolean fullyPeriodic = periodic[0] && periodic[1] && periodic[2];
        int flags = ForceResult.ENERGY | ForceResult.FORCES | (fullyPeriodic ? ForceResult.STRESS : 0);
        forceField.compute(system, flags, out);
        double energy = out.energy();
        double[] fr = out.forces();
        if (!Double.isFinite(energy)) {
            throw new LammpsException("e3j energy is " + energy);
        }
        for (int k = 0; k < 3 * nlocal; k++) {
            if (!Double.isFinite(fr[k])) {
                throw new LammpsException("e3j force on local atom " + k / 3 + " is " + fr[k]);
            }
        }
        MemorySegment.copy(fr, 0, forces, JAVA_DOUBLE, 0, 3 * nlocal);
        double[] w = new double[6];
        if (fullyPeriodic && out.has(ForceResult.STRESS)) {
            double volume = cell[0] * cell[4] * cell[8];
            double[] s = out.stress(); // Voigt xx yy zz yz xz xy
            w[0] = -volume * s[0];
            w[1] = -volume * s[1];
            w[2] = -volume * s[2];
            w[3] = -volume * s[5];
            w[4] = -volume * s[4];
            w[5] = -volume * s[3];
        } else {
            for (int i = 0; i < nlocal; i++) {
                double rx = pos[3 * i], ry = pos[3 * i + 1], rz = pos[3 * i + 2];
                double fx = fr[3 * i], fy = fr[3 * i + 1], fz = fr[3 * i + 2];
                w[0] += rx * fx;
                w[1] += ry * fy;
                w[2] += rz * fz;
                w[3] += 0.5 * (rx * fy + ry * fx);
                w[4] += 0.5 * (rx * fz + rz * fx);
                w[5] += 0.5 * (ry * fz + rz * fy);
            }
        }
        for (int k = 0; k < 6; k++) {
            if (!Double.isFinite(w[k])) {
                throw new LammpsException("e3j virial is not finite");
            }
        }
        MemorySegment.copy(w, 0, virialOut, JAVA_DOUBLE, 0, 6);
        lammps.setFixExternalEnergy(fixId, energy);
        lammps.setFixExternalVirial(fixId, virialOut);
        evaluations++;
        lastStep = step;
    }

    /** e3j works in eV and Å: LAMMPS must use units metal. */
    private void checkUnits() {
        String units = lammps.units();
        if (units != null && !units.equals("metal")) {
            throw new LammpsException("LAMMPS uses units " + units + "; e3j computes in eV and Å: put 'units metal' in"
                    + " the input script");
        }
    }

    long lastStep() {
        return lastStep;
    }
}
