package org.e3j.md.ipi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.LennardJones;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 10: a driver template without a cell (no {@code Lattice}) must use the cell
 * the server sends, periodic, instead of computing an isolated cluster; a zero cell from the
 * server (ASE with a cell-less molecule) and an explicit {@code pbc F F F} stay clusters.
 */
class IpiTemplateCellTest {
    @TempDir
    Path dir;

    static final IpiDriver.Options FAST = IpiDriver.Options.DEFAULT.withTimeouts(Duration.ofSeconds(5),
            Duration.ofSeconds(5), Duration.ofSeconds(5));

    /** What the server gets back when it sends {@code crystal}'s positions with {@code sentCell}. */
    private ForceResult throughIpi(AtomsSystem template, AtomsSystem crystal, double[] sentCell, String name)
            throws Exception {
        ForceResult got = new ForceResult();
        try (IpiServer server = IpiServer.bind(IpiAddress.unixPath(dir.resolve(name)), null)) {
            CompletableFuture<IpiDriver.Summary> driver = CompletableFuture.supplyAsync(() -> {
                try (IpiDriver d = IpiDriver.connect(server.address(), FAST)) {
                    return d.run(template, LennardJones.argon());
                }
            });
            server.calculate(sentCell, crystal.positions(), crystal.numAtoms(), true, got);
            server.calculate(sentCell, crystal.positions(), crystal.numAtoms(), true, got); // steady state too
            server.sendExit();
            assertEquals(IpiDriver.End.EXIT, driver.get(10, TimeUnit.SECONDS).end());
        }
        return got;
    }

    private static AtomsSystem cellLess(AtomsSystem s) {
        return new AtomsSystem(s.numbers(), s.positions(), null, null, null, null);
    }

    @Test
    void templateWithoutLatticeUsesTheServersCellPeriodically() throws Exception {
        AtomsSystem crystal = IpiTest.argon(5);
        ForceResult direct = new ForceResult();
        LennardJones.argon().compute(crystal, ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS, direct);
        ForceResult cluster = new ForceResult();
        LennardJones.argon().compute(cellLess(crystal), ForceResult.ENERGY | ForceResult.FORCES, cluster);
        assertTrue(Math.abs(direct.energy() - cluster.energy()) > 0.1, "the test needs a crystal unlike its cluster");

        ForceResult got = throughIpi(cellLess(crystal), crystal, crystal.cell(), "a");
        assertEquals(direct.energy(), got.energy(), 1e-10 * Math.abs(direct.energy()), "periodic energy");
        for (int k = 0; k < 3 * crystal.numAtoms(); k++) {
            assertEquals(direct.forces()[k], got.forces()[k], 1e-9, "force " + k);
        }
        assertTrue(got.has(ForceResult.STRESS));
        for (int k = 0; k < 6; k++) {
            assertEquals(direct.stress()[k], got.stress()[k], 1e-10, "stress " + k);
        }
    }

    @Test
    void aZeroCellFromTheServerOrExplicitPbcFalseStayAClusters() throws Exception {
        AtomsSystem crystal = IpiTest.argon(6);
        ForceResult cluster = new ForceResult();
        LennardJones.argon().compute(cellLess(crystal), ForceResult.ENERGY | ForceResult.FORCES, cluster);

        ForceResult zeroCell = throughIpi(cellLess(crystal), crystal, new double[9], "b");
        assertEquals(cluster.energy(), zeroCell.energy(), 1e-10 * Math.abs(cluster.energy()));
        assertFalse(zeroCell.has(ForceResult.STRESS));

        AtomsSystem explicitCluster = new AtomsSystem(crystal.numbers(), crystal.positions(), null, null,
                crystal.cell(), new boolean[] {false, false, false});
        ForceResult noPbc = throughIpi(explicitCluster, crystal, crystal.cell(), "c");
        assertEquals(cluster.energy(), noPbc.energy(), 1e-10 * Math.abs(cluster.energy()));
    }
}
