package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 7: a valid but skewed cell of an ordinary crystal ({@code b' = b + 2000 a}: the
 * same lattice, the same volume, the same atoms) must evaluate like its reduced cell. Before the fix
 * the image search ran in the skewed basis, its work growing with the skew (the issue measured 143 s
 * for 32 atoms and 505 s for 256; on this machine at this commit's parent the neighbour search of the
 * 256-atom cell took 3.9 s at skew 2000 and grows linearly: 81 s for the whole evaluation at 2x10^5,
 * a refusal at 10^7). Now the neighbour search reduces the lattice first and maps the shifts back to
 * the cell the caller gave, so energy, forces and stress (computed with that cell) agree.
 *
 * <p>The preemptive timeout is a hang guard for the old behaviour, not a timing assertion (the
 * measured times are in docs/reliability.md).
 */
class SkewedCellTest {

    static AtomsSystem skewed(AtomsSystem s, int factor) {
        double[] c = s.cell();
        for (int k = 0; k < 3; k++) {
            c[3 + k] += factor * c[k];
        }
        return new AtomsSystem(s.numbers(), s.positions().clone(), null, null, c, new boolean[] {true, true, true});
    }

    static void assertSameResult(String what, ForceResult reduced, ForceResult skewed, double tolerance) {
        double e = reduced.energy();
        assertEquals(e, skewed.energy(), tolerance * Math.abs(e), what + ": energy");
        double[] f0 = reduced.forcesCopy(), f1 = skewed.forcesCopy();
        double fMax = 0;
        for (double v : f0) {
            fMax = Math.max(fMax, Math.abs(v));
        }
        for (int k = 0; k < f0.length; k++) {
            assertEquals(f0[k], f1[k], tolerance * 100 * Math.max(fMax, 1e-3), what + ": force " + k);
        }
        double[] s0 = reduced.stressCopy(), s1 = skewed.stressCopy();
        double sMax = 0;
        for (double v : s0) {
            sMax = Math.max(sMax, Math.abs(v));
        }
        for (int k = 0; k < 6; k++) {
            assertEquals(s0[k], s1[k], tolerance * 100 * Math.max(sMax, 1e-6), what + ": stress " + k);
        }
    }

    @Test
    void skewedCopperCellsEvaluateLikeTheirReducedCells() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            // {conventional cells per side, skew}: 32 and 256 atoms at the b' = b + 2000 a, and
            // 256 atoms at b + 10^7 a: the old search, in the skewed basis, refused it (more than 5e7
            // images per atom); its time grew linearly with the skew (81 s at 2x10^5 on this machine)
            for (int[] c : new int[][] {{2, 2000}, {4, 2000}, {4, 10_000_000}}) {
                int k = c[0];
                AtomsSystem cube = Engines.copper(k, 5 + k);
                AtomsSystem skew = skewed(cube, c[1]);
                List<Engines.Engine> engines = k == 2
                        ? List.of(Engines.fast(Engines.copperModel()), Engines.reference(Engines.copperModel()))
                        : List.of(Engines.fast(Engines.copperModel()));
                for (Engines.Engine engine : engines) {
                    ForceResult a = new ForceResult();
                    ForceResult b = new ForceResult();
                    try (ForceField ff = engine.newForceField()) {
                        ff.compute(cube.copy(), ForceResult.ALL, a);
                    }
                    long t0 = System.nanoTime();
                    try (ForceField ff = engine.newForceField()) {
                        ff.compute(skew.copy(), ForceResult.ALL, b);
                    }
                    System.out.printf("%s, %d atoms, cell b + %d a: first evaluation %.2f s (information)%n",
                            engine.name(), cube.numAtoms(), c[1], (System.nanoTime() - t0) * 1e-9);
                    // float32 parity for the fast engine; the double reference differs only by the
                    // rounding of the (long) shift vectors of the skewed cell
                    double tol = engine.allocationFree() ? 2e-6 : 1e-9;
                    assertSameResult(engine.name() + ", " + cube.numAtoms() + " atoms, skew " + c[1], a, b, tol);
                }
            }
        });
    }
}
