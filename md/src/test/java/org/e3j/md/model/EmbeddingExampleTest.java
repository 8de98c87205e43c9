package org.e3j.md.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.junit.jupiter.api.Test;

/** The README's embedding example, compiled and run, so the README stays true. */
class EmbeddingExampleTest {
    @Test
    void readmeExampleRuns() {
        double a = 3.59;
        int[] numbers = {29, 29, 29, 29};
        double[] positions = {0, 0, 0, 0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0};
        double[] cell = {a, 0, 0, 0, a, 0, 0, 0, a};
        int steps = 5;
        // --- as in README.md ---
        AtomsSystem atoms = new AtomsSystem(numbers, positions, null, null, cell, new boolean[] {true, true, true});
        ForceResult out = new ForceResult(atoms.numAtoms());
        try (FastForceField ff = FastForceField.load(Path.of("../models/cu-emt.safetensors"), 2)) {
            for (int step = 0; step < steps; step++) {
                atoms.positions()[0] += 0.01; // stands in for the caller's integrator
                ff.compute(atoms, ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS, out);
                double e = out.energy();
                double[] f = out.forces();
                double[] s = out.stress();
                assertTrue(Double.isFinite(e) && Double.isFinite(f[0]) && Double.isFinite(s[0]));
            }
        }
    }
}
