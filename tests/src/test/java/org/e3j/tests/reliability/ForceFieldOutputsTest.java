package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What leaves a network force field (issue 15, findings 11 and 13): no stress for a frame that is not
 * periodic in all three directions (docs/contracts.md: a stress needs a volume), in both engines;
 * and never a non-finite energy, force or stress, which would be written out silently.
 */
class ForceFieldOutputsTest {

    /**
     * Before the fix the fast engine wrote a stress for pbc T T F (the reference engine did not):
     * {@code has(STRESS)} was true with a number divided by a volume that the slab does not have.
     */
    @Test
    void aPartlyPeriodicFrameHasNoStressInEitherEngine() {
        AtomsSystem bulk = Engines.copper(2, 11);
        for (boolean[] pbc : List.of(new boolean[] {true, true, false}, new boolean[] {false, true, false},
                new boolean[] {true, false, true})) {
            AtomsSystem slab = new AtomsSystem(bulk.numbers(), bulk.positions().clone(), null, null, bulk.cell(), pbc);
            ForceResult ref = new ForceResult();
            ForceResult fast = new ForceResult();
            try (ForceField r = Engines.reference(Engines.copperModel()).newForceField();
                    ForceField f = Engines.fast(Engines.copperModel()).newForceField()) {
                r.compute(slab.copy(), ForceResult.ALL, ref);
                f.compute(slab.copy(), ForceResult.ALL, fast);
            }
            String what = "pbc " + pbc[0] + " " + pbc[1] + " " + pbc[2];
            assertFalse(ref.has(ForceResult.STRESS), "reference, " + what);
            assertFalse(fast.has(ForceResult.STRESS), "fast, " + what);
            assertThrows(IllegalStateException.class, fast::stressCopy, what);
            assertEquals(ref.energy(), fast.energy(), 1e-4 * Math.abs(ref.energy()) + 1e-4, what);
        }
        // and fully periodic still has one
        ForceResult fast = new ForceResult();
        try (ForceField f = Engines.fast(Engines.copperModel()).newForceField()) {
            f.compute(bulk.copy(), ForceResult.ALL, fast);
        }
        assertTrue(fast.has(ForceResult.STRESS));
    }

    /**
     * A model whose embedding, Linear, last radial Dense, readout and energy-scale weights are
     * multiplied by 1e36 (finite, so the loader accepts it) overflows inside the network: float32 in
     * the fast engine, double in the reference one (a chain of ten such factors, 1e360 > 1.8e308). Before the fix both returned a NaN or infinite energy/forces as
     * a normal result (eval wrote them, exit 0); now the force field throws, naming the quantity.
     */
    @Test
    void nonFiniteOutputsAreRefusedNamingTheQuantity(@TempDir Path dir) throws Exception {
        ModelFiles.Parts parts = ModelFiles.fixture("potential_molecule20");
        LinkedHashMap<String, ModelFiles.Tensor> scaled = new LinkedHashMap<>();
        for (Map.Entry<String, ModelFiles.Tensor> e : parts.tensors().entrySet()) {
            ModelFiles.Tensor t = e.getValue();
            String k = e.getKey();
            boolean weight = k.contains("/Linear_") || k.startsWith("params/readout/") || k.contains("Embed_")
                    || k.endsWith("Dense_1/kernel") || k.endsWith("species_energy_scale");
            scaled.put(k, weight ? times(t, 1e36f) : t);
        }
        Path file = dir.resolve("overflowing.safetensors");
        Files.write(file, ModelFiles.write(parts.config(), scaled));
        AtomsSystem water = new AtomsSystem(new int[] {8, 1, 1}, ForceFieldReuseTest.POS, null, null, null, null);
        for (Engines.Engine engine : List.of(Engines.fast(file), Engines.reference(file))) {
            ForceResult r = new ForceResult();
            try (ForceField ff = engine.newForceField()) {
                MdException e = assertThrows(MdException.class, () -> ff.compute(water.copy(), ForceResult.ALL, r),
                        engine.name());
                assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
                assertFalse(r.has(ForceResult.ENERGY), engine.name() + ": nothing readable after the refusal");
                // energy only (the fast engine's forward-only path) is checked too
                assertThrows(MdException.class, () -> ff.compute(water.copy(), ForceResult.ENERGY, r), engine.name());
            }
        }
    }

    private static ModelFiles.Tensor times(ModelFiles.Tensor t, float factor) {
        ByteBuffer in = ByteBuffer.wrap(t.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(t.bytes().length).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            out.putFloat(in.getFloat() * factor);
        }
        return new ModelFiles.Tensor(t.dtype(), t.shape(), out.array());
    }
}
