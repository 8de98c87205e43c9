package org.e3j.tests.reliability;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.model.ReferenceForceField;

/**
 * The engine the stress and soak tests run, behind one factory: one model loaded once and shared,
 * one {@link ForceField} (with its own workspace) per thread.
 *
 * <p>When the fast float32 engine's ForceField lands, change {@link #underTest} to return it (and
 * set {@code allocationFree} to true, which turns the soak test's "no allocation per step" from a
 * measurement into an assertion); nothing else in the tests changes.
 */
final class Engines {
    private Engines() {}

    /** A shared, loaded model and a way to make per-thread force fields over it. */
    interface Engine {
        String name();

        /** A new force field (its own workspace) over the shared model. */
        ForceField newForceField();

        /** True if a force call allocates nothing in steady state (the fast engine's contract). */
        boolean allocationFree();
    }

    /** The model both tests use: a two-layer Potential over H, C, N, O (cutoff 3 Å, l <= 2). */
    static Path model() {
        return ModelFiles.fixtureRoot().resolve("potential_molecule20").resolve("model.safetensors");
    }

    /** The bundled copper model (trained on ASE's EMT, cutoff 5 Å): physically stable, for long MD. */
    static Path copperModel() {
        return Path.of(System.getProperty("e3j.models", "../models")).resolve("cu-emt.safetensors");
    }

    /** fcc copper, {@code k x k x k} conventional cells (4k^3 atoms), a = 3.61 Å, slightly rattled. */
    static AtomsSystem copper(int k, long seed) {
        return org.e3j.tests.Crystals.fcc(k, 3.61, 0.05, seed);
    }

    /**
     * THE factory line: the engine under test, {@code -De3j.engine=reference|fast} (default
     * reference; the fast engine's {@code FastForceField} landed during this work, see
     * docs/reliability.md).
     */
    static Engine underTest() {
        return underTest(model());
    }

    /** The engine under test over another model file. */
    static Engine underTest(Path file) {
        return byName(System.getProperty("e3j.engine", "reference"), file);
    }

    static Engine byName(String name, Path file) {
        return switch (name) {
            case "reference" -> reference(file);
            case "fast" -> fast(file);
            default -> throw new IllegalArgumentException("e3j.engine must be reference or fast, got " + name);
        };
    }

    /** The fast float32 engine, one worker (the calling thread) per force field; allocation-free by contract. */
    static Engine fast(Path file) {
        return fast(file, 1);
    }

    /** The fast engine with {@code workers} threads per force field (its own pool each). */
    static Engine fast(Path file, int workers) {
        org.e3j.layers.fast.FastModel model = org.e3j.layers.fast.FastModel.compile(ReferenceModel.load(file));
        return new Engine() {
            @Override
            public String name() {
                return "FastForceField(" + file.getParent().getFileName() + "/" + file.getFileName() + ", " + workers
                        + (workers == 1 ? " thread)" : " threads)");
            }

            @Override
            public ForceField newForceField() {
                var ff = new org.e3j.md.model.FastForceField(model, workers,
                        org.e3j.md.model.FastForceField.DEFAULT_SKIN);
                // with more than one worker even these small test structures are split over all of them
                return workers == 1 ? ff : ff.minWorkPerThread(1);
            }

            @Override
            public boolean allocationFree() {
                return true;
            }
        };
    }

    /** The double-precision reference (allocates per call by design; slow). */
    static Engine reference(Path file) {
        ReferenceModel model = ReferenceModel.load(file);
        return new Engine() {
            @Override
            public String name() {
                return "ReferenceForceField(" + file.getParent().getFileName() + "/" + file.getFileName() + ")";
            }

            @Override
            public ForceField newForceField() {
                return new ReferenceForceField(model);
            }

            @Override
            public boolean allocationFree() {
                return false;
            }
        };
    }

    static final int[] SPECIES = {1, 6, 7, 8};

    /**
     * {@code count} structures of 2..{@code maxAtoms} atoms of the model's species: molecules and
     * periodic boxes (some triclinic), jittered grids so no two atoms are closer than ~0.9 Å.
     */
    static List<AtomsSystem> mixedStructures(int count, int maxAtoms, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<AtomsSystem> out = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            int n = 2 + rng.nextInt(maxAtoms - 1);
            int side = (int) Math.ceil(Math.cbrt(n));
            double a = 1.45;
            int[] z = new int[n];
            double[] p = new double[3 * n];
            for (int i = 0; i < n; i++) {
                z[i] = SPECIES[rng.nextInt(SPECIES.length)];
                int ix = i % side, iy = (i / side) % side, iz = i / (side * side);
                p[3 * i] = a * ix + 0.25 * (rng.nextDouble() - 0.5);
                p[3 * i + 1] = a * iy + 0.25 * (rng.nextDouble() - 0.5);
                p[3 * i + 2] = a * iz + 0.25 * (rng.nextDouble() - 0.5);
            }
            boolean periodic = s % 3 == 2;
            double[] cell = null;
            boolean[] pbc = null;
            if (periodic) {
                double l = a * side;
                double tilt = s % 2 == 0 ? 0.3 : 0.0;
                cell = new double[] {l, 0, 0, tilt, l, 0, 0, tilt, l};
                pbc = new boolean[] {true, true, true};
            }
            out.add(new AtomsSystem(z, p, null, null, cell, pbc));
        }
        return out;
    }
}
