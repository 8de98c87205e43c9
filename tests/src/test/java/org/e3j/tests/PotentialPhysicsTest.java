package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import org.e3j.graph.NeighborList;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.Test;

/**
 * Physical invariances of the Potential through the whole pipeline (neighbour list, model, reverse
 * pass), in double precision: periodic images, locality and batch independence.
 */
class PotentialPhysicsTest {
    static final Path CRYSTAL = Fixtures.root().resolve("potential_crystal32");
    static final Path MOLECULE = Fixtures.root().resolve("potential_molecule20");
    static final Path BATCH = Fixtures.root().resolve("potential_batch3");

    /** Energy, forces and stress of one structure, with a neighbour list built here. */
    static ReferenceForces.Result evaluate(ReferenceModel model, int[] numbers, double[] pos, double[] cell, boolean[] pbc) {
        NeighborList nl = new NeighborList(model.config.cutoff, 0.0);
        nl.build(pos, cell, pbc);
        ModelInput in = new ModelInput(numbers, pos, nl.senders(), nl.receivers(), nl.shiftVectors(),
                new int[] {numbers.length});
        boolean periodic = pbc[0] && pbc[1] && pbc[2];
        return ReferenceForces.compute(model, in, periodic ? cell : null, periodic ? pbc : null);
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    @Test
    void wrappingAtomsIntoOtherImagesChangesNothing() {
        ReferenceModel model = ReferenceModel.load(CRYSTAL.resolve("model.safetensors"));
        SafeTensors f = SafeTensors.open(CRYSTAL.resolve("fixture.safetensors"));
        int[] z = f.ints("input/numbers");
        double[] pos = f.doubles("input/positions");
        double[] cell = f.doubles("input/cell");
        boolean[] pbc = {true, true, true};
        ReferenceForces.Result base = evaluate(model, z, pos, cell, pbc);
        double[] moved = pos.clone();
        java.util.Random rng = new java.util.Random(7);
        for (int i = 0; i < z.length; i++) {
            for (int a = 0; a < 3; a++) { // move every atom by a random lattice translation in [-2, 2]^3
                int k = rng.nextInt(5) - 2;
                for (int c = 0; c < 3; c++) {
                    moved[3 * i + c] += k * cell[3 * a + c];
                }
            }
        }
        ReferenceForces.Result image = evaluate(model, z, moved, cell, pbc);
        assertEquals(base.energy()[0], image.energy()[0], 1e-10 * Math.abs(base.energy()[0]));
        assertClose(base.forces(), image.forces(), 1e-9, "forces");
        assertClose(base.stress(), image.stress(), 1e-9, "stress");
        assertClose(base.atomEnergies(), image.atomEnergies(), 1e-10, "atom energies");
    }

    @Test
    void twoMoleculesFarApartAreTheSumOfTheirParts() {
        ReferenceModel model = ReferenceModel.load(MOLECULE.resolve("model.safetensors"));
        SafeTensors f = SafeTensors.open(MOLECULE.resolve("fixture.safetensors"));
        int[] z = f.ints("input/numbers");
        double[] pos = f.doubles("input/positions");
        int n = z.length;
        boolean[] open = {false, false, false};
        ReferenceForces.Result one = evaluate(model, z, pos, null, open);
        int[] z2 = Arrays.copyOf(z, 2 * n);
        System.arraycopy(z, 0, z2, n, n);
        double[] pos2 = Arrays.copyOf(pos, 6 * n);
        double[] rotated = rotate(pos);
        for (int i = 0; i < n; i++) {
            pos2[3 * (n + i)] = rotated[3 * i] + 40.0;
            pos2[3 * (n + i) + 1] = rotated[3 * i + 1];
            pos2[3 * (n + i) + 2] = rotated[3 * i + 2];
        }
        ReferenceForces.Result other = evaluate(model, z, rotated, null, open);
        ReferenceForces.Result both = evaluate(model, z2, pos2, null, open);
        assertEquals(one.energy()[0] + other.energy()[0], both.energy()[0], 1e-10 * Math.abs(both.energy()[0]));
        assertClose(one.forces(), Arrays.copyOfRange(both.forces(), 0, 3 * n), 1e-10, "forces of A");
        assertClose(other.forces(), Arrays.copyOfRange(both.forces(), 3 * n, 6 * n), 1e-10, "forces of B");
    }

    /** A fixed rotation about (1,2,3) by 0.7 rad, so the second copy is not a mere translation. */
    static double[] rotate(double[] pos) {
        double[] r = org.e3j.engine.so3.WignerD.axisAngle(1, 2, 3, 0.7);
        double[] out = new double[pos.length];
        for (int i = 0; i < pos.length / 3; i++) {
            for (int a = 0; a < 3; a++) {
                double s = 0;
                for (int b = 0; b < 3; b++) {
                    s += r[3 * a + b] * pos[3 * i + b];
                }
                out[3 * i + a] = s;
            }
        }
        return out;
    }

    @Test
    void aBatchIsTheSameAsItsGraphsOneByOne() {
        ReferenceModel model = ReferenceModel.load(BATCH.resolve("model.safetensors"));
        SafeTensors f = SafeTensors.open(BATCH.resolve("fixture.safetensors"));
        ModelInput batch = Fixtures.input(f);
        int[] nNode = batch.nNode();
        double[] cells = f.doubles("input/cell");
        int[] pbcInts = f.ints("input/pbc");
        boolean[] pbc = new boolean[pbcInts.length];
        for (int i = 0; i < pbc.length; i++) {
            pbc[i] = pbcInts[i] != 0;
        }
        ReferenceForces.Result all = ReferenceForces.compute(model, batch, cells, pbc);
        int offset = 0;
        for (int g = 0; g < nNode.length; g++) {
            int n = nNode[g];
            final int lo = offset;
            // this graph's edges, re-indexed to its own nodes
            int[] idx = java.util.stream.IntStream.range(0, batch.numEdges())
                    .filter(e -> batch.receivers()[e] >= lo && batch.receivers()[e] < lo + n).toArray();
            int[] snd = new int[idx.length];
            int[] rcv = new int[idx.length];
            double[] shifts = new double[3 * idx.length];
            for (int k = 0; k < idx.length; k++) {
                snd[k] = batch.senders()[idx[k]] - lo;
                rcv[k] = batch.receivers()[idx[k]] - lo;
                System.arraycopy(batch.shifts(), 3 * idx[k], shifts, 3 * k, 3);
            }
            ModelInput alone = new ModelInput(Arrays.copyOfRange(batch.numbers(), lo, lo + n),
                    Arrays.copyOfRange(batch.positions(), 3 * lo, 3 * (lo + n)), snd, rcv, shifts, new int[] {n});
            ReferenceForces.Result one = ReferenceForces.compute(model, alone, Arrays.copyOfRange(cells, 9 * g, 9 * g + 9),
                    Arrays.copyOfRange(pbc, 3 * g, 3 * g + 3));
            assertEquals(all.energy()[g], one.energy()[0], 1e-12 * Math.max(1, Math.abs(one.energy()[0])), "energy " + g);
            assertClose(one.forces(), Arrays.copyOfRange(all.forces(), 3 * lo, 3 * (lo + n)), 1e-12, "forces " + g);
            assertClose(one.stress(), Arrays.copyOfRange(all.stress(), 6 * g, 6 * g + 6), 1e-12, "stress " + g);
            offset += n;
        }
    }
}
