package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.e3j.engine.E3jException;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.so3.WignerD;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The whole network, in double precision, on every fixture model and graph: O(3) equivariance
 * (random rotations composed with inversion, Wigner D from e3j's own code), translation invariance,
 * and permutation equivariance of nodes and of edge order; errors below 1e-10. Plus the input
 * errors a network refuses.
 */
class NetworkSymmetryTest {
    static final double TOL = 1e-10;

    @TestFactory
    Stream<DynamicTest> everyFixtureNetworkIsSymmetric() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases()) {
            tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
        }
        return tests.stream();
    }

    private static void check(Path dir) {
        ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
        ModelInput in = Fixtures.input(SafeTensors.open(dir.resolve("fixture.safetensors")));
        ReferenceModel.Result base = model.forward(in);
        IrrepsArray h = base.get("output/node_features");
        Random rng = new Random(dir.getFileName().toString().hashCode());
        double worst = 0;

        // O(3): rotate (and for k = 1 also invert) positions and shifts; outputs must transform by D(R, k).
        for (int k = 0; k < 2; k++) {
            double[] rot = WignerD.randomRotation(rng);
            double sign = k == 0 ? 1 : -1;
            ModelInput moved = new ModelInput(in.numbers(), transform(in.positions(), rot, sign, null),
                    in.senders(), in.receivers(), in.shifts() == null ? null : transform(in.shifts(), rot, sign, null),
                    in.nNode());
            ReferenceModel.Result r = model.forward(moved);
            double[] expected = new double[h.data().length];
            WignerD.apply(h.irreps(), rot, k, h.data(), expected, h.rows());
            worst = Math.max(worst, maxDiff(expected, r.get("output/node_features").data()));
            worst = Math.max(worst, scalarOutputsDiff(base, r));
        }

        // Translation.
        double[] t = {rng.nextGaussian() * 10, rng.nextGaussian() * 10, rng.nextGaussian() * 10};
        ModelInput shifted = new ModelInput(in.numbers(), transform(in.positions(), null, 1, t), in.senders(),
                in.receivers(), in.shifts(), in.nNode());
        ReferenceModel.Result tr = model.forward(shifted);
        worst = Math.max(worst, maxDiff(h.data(), tr.get("output/node_features").data()));
        worst = Math.max(worst, scalarOutputsDiff(base, tr));

        // Edge order.
        int e = in.numEdges();
        int[] perm = shuffle(e, rng);
        int[] snd = new int[e];
        int[] rcv = new int[e];
        double[] sh = in.shifts() == null ? null : new double[3 * e];
        for (int i = 0; i < e; i++) {
            snd[i] = in.senders()[perm[i]];
            rcv[i] = in.receivers()[perm[i]];
            if (sh != null) {
                System.arraycopy(in.shifts(), 3 * perm[i], sh, 3 * i, 3);
            }
        }
        ReferenceModel.Result er = model.forward(new ModelInput(in.numbers(), in.positions(), snd, rcv, sh, in.nNode()));
        worst = Math.max(worst, maxDiff(h.data(), er.get("output/node_features").data()));
        worst = Math.max(worst, scalarOutputsDiff(base, er));

        // Node order, within each graph: new node q holds old node old[q].
        int n = in.numNodes();
        int[] old = new int[n];
        int start = 0;
        for (int g : in.nNode()) {
            int[] p = shuffle(g, rng);
            for (int i = 0; i < g; i++) {
                old[start + i] = start + p[i];
            }
            start += g;
        }
        int[] where = new int[n];
        for (int q = 0; q < n; q++) {
            where[old[q]] = q;
        }
        int[] z = new int[n];
        double[] pos = new double[3 * n];
        for (int q = 0; q < n; q++) {
            z[q] = in.numbers()[old[q]];
            System.arraycopy(in.positions(), 3 * old[q], pos, 3 * q, 3);
        }
        int[] snd2 = new int[e];
        int[] rcv2 = new int[e];
        for (int i = 0; i < e; i++) {
            snd2[i] = where[in.senders()[i]];
            rcv2[i] = where[in.receivers()[i]];
        }
        ReferenceModel.Result nr = model.forward(new ModelInput(z, pos, snd2, rcv2, in.shifts(), in.nNode()));
        int dim = h.irreps().dim();
        double[] permuted = new double[h.data().length];
        for (int q = 0; q < n; q++) {
            System.arraycopy(h.data(), old[q] * dim, permuted, q * dim, dim);
        }
        worst = Math.max(worst, maxDiff(permuted, nr.get("output/node_features").data()));
        if (base.tensors.containsKey("output/global_features")) {
            worst = Math.max(worst, maxDiff(base.get("output/global_features").data(),
                    nr.get("output/global_features").data()));
        }
        if (base.tensors.containsKey("output/energy")) {
            worst = Math.max(worst, maxDiff(base.get("output/energy").data(), nr.get("output/energy").data()));
        }
        System.out.printf("symmetry %-28s worst |diff|/max(1,|x|) over O(3), translation, node and edge order = %.1e%n",
                dir.getFileName(), worst);
        assertTrue(worst <= TOL, dir.getFileName() + ": " + worst);
    }

    /** Invariant outputs: energies (potential) or the 0e part of global features via equivariance above. */
    private static double scalarOutputsDiff(ReferenceModel.Result a, ReferenceModel.Result b) {
        if (!a.tensors.containsKey("output/energy")) {
            return 0;
        }
        return Math.max(maxDiff(a.get("output/energy").data(), b.get("output/energy").data()),
                maxDiff(a.get("output/atom_energies").data(), b.get("output/atom_energies").data()));
    }

    static double[] transform(double[] v, double[] rot, double sign, double[] t) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length / 3; i++) {
            for (int a = 0; a < 3; a++) {
                double s = 0;
                if (rot == null) {
                    s = v[3 * i + a];
                } else {
                    for (int b = 0; b < 3; b++) {
                        s += rot[3 * a + b] * v[3 * i + b];
                    }
                }
                out[3 * i + a] = sign * s + (t == null ? 0 : t[a]);
            }
        }
        return out;
    }

    static int[] shuffle(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    static double maxDiff(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
        }
        return worst;
    }

    @Test
    void badInputIsRefusedWithItsCulpritNamed() {
        Path dir = Fixtures.root().resolve("seed_example");
        ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
        double[] pos = {0, 1, 1, 1, 0, 0, 2, 0, 0};
        E3jException past = assertThrows(E3jException.class,
                () -> new ModelInput(new int[] {1, 6, 8}, pos, new int[] {0, 1, 3}, new int[] {1, 2, 0}, null, new int[] {3}));
        assertTrue(past.getMessage().contains("edge 2"), past.getMessage());
        double[] nan = pos.clone();
        nan[4] = Double.NaN;
        E3jException nanErr = assertThrows(E3jException.class,
                () -> new ModelInput(new int[] {1, 6, 8}, nan, new int[] {0}, new int[] {1}, null, new int[] {3}));
        assertTrue(nanErr.getMessage().contains("atom 1"), nanErr.getMessage());
        double[] inf = pos.clone();
        inf[0] = Double.POSITIVE_INFINITY;
        assertThrows(E3jException.class,
                () -> new ModelInput(new int[] {1, 6, 8}, inf, new int[] {0}, new int[] {1}, null, new int[] {3}));
        // e3nn-jax returns NaN rows for ids past the embedding table; e3j refuses and names the atom.
        ModelInput tooHeavy = new ModelInput(new int[] {1, 10, 8}, pos, new int[] {0}, new int[] {1}, null, new int[] {3});
        E3jException z = assertThrows(E3jException.class, () -> model.forward(tooHeavy));
        assertTrue(z.getMessage().contains("atom 1") && z.getMessage().contains("10"), z.getMessage());
        ModelInput negative = new ModelInput(new int[] {1, -1, 8}, pos, new int[] {0}, new int[] {1}, null, new int[] {3});
        assertThrows(E3jException.class, () -> model.forward(negative));
        assertThrows(E3jException.class,
                () -> new ModelInput(new int[] {1, 6, 8}, new double[8], new int[0], new int[0], null, new int[] {3}));
        assertThrows(E3jException.class,
                () -> new ModelInput(new int[] {1, 6, 8}, pos, new int[0], new int[0], null, new int[] {2}));
    }
}
