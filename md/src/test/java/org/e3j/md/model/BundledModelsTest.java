package org.e3j.md.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.junit.jupiter.api.Test;

/** The copper model inside the e3j-md jar is the repository's models/cu-emt.safetensors, and it runs. */
class BundledModelsTest {
    static final Path FILE = Path.of("../models/cu-emt.safetensors").toAbsolutePath().normalize();

    @Test
    void theResourceIsTheBundledModelFile() throws Exception {
        try (InputStream in = BundledModels.class.getResourceAsStream(BundledModels.COPPER_RESOURCE)) {
            assertNotNull(in, BundledModels.COPPER_RESOURCE + " is not on the class path");
            assertArrayEquals(Files.readAllBytes(FILE), in.readAllBytes());
        }
    }

    @Test
    void itsForceFieldEqualsTheFilesOnACopperCrystal() {
        double a = 3.61;
        double[][] basis = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
        int reps = 2;
        int n = 4 * reps * reps * reps;
        int[] numbers = new int[n];
        double[] pos = new double[3 * n];
        int i = 0;
        for (int x = 0; x < reps; x++) {
            for (int y = 0; y < reps; y++) {
                for (int z = 0; z < reps; z++) {
                    for (double[] b : basis) {
                        numbers[i] = 29;
                        pos[3 * i] = (x + b[0]) * a + 0.01 * (i % 3); // off-lattice: non-zero forces
                        pos[3 * i + 1] = (y + b[1]) * a;
                        pos[3 * i + 2] = (z + b[2]) * a;
                        i++;
                    }
                }
            }
        }
        double l = reps * a;
        AtomsSystem s = new AtomsSystem(numbers, pos, null, null, new double[] {l, 0, 0, 0, l, 0, 0, 0, l},
                new boolean[] {true, true, true});
        ForceResult fromResource = new ForceResult();
        ForceResult fromFile = new ForceResult();
        try (FastForceField ff = BundledModels.copperForceField(1); FastForceField ref = FastForceField.load(FILE, 1)) {
            ff.compute(s, ForceResult.ALL, fromResource);
            ref.compute(s, ForceResult.ALL, fromFile);
        }
        assertEquals(fromFile.energy(), fromResource.energy());
        assertArrayEquals(fromFile.forcesCopy(), fromResource.forcesCopy());
        assertArrayEquals(fromFile.stressCopy(), fromResource.stressCopy());
    }
}
