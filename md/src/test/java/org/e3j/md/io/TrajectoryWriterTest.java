package org.e3j.md.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.LennardJones;
import org.e3j.md.MdException;
import org.e3j.md.MdRun;
import org.e3j.md.Thermo;
import org.e3j.md.VelocityVerlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrajectoryWriterTest {

    private static AtomsSystem argon() {
        double a = 5.26;
        double[] pos = {0, 0, 0, a / 2, a / 2, 0, a / 2, 0, a / 2, 0, a / 2, a / 2};
        AtomsSystem s = new AtomsSystem(new int[] {18, 18, 18, 18}, pos, null, null,
                new double[] {a, 0, 0, 0, a, 0, 0, 0, a}, new boolean[] {true, true, true});
        Thermo.maxwellBoltzmann(s, 40, new SplittableRandom(3), false);
        return s;
    }

    @Test
    void writesEveryObservedStepFlushedAndReadable(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("traj.extxyz");
        AtomsSystem s = argon();
        try (TrajectoryWriter w = TrajectoryWriter.open(file, new TrajectoryWriter.Options(true, true))) {
            ForceResult r = new ForceResult();
            r.request(ForceResult.ALL);
            MdRun run = new MdRun(s, LennardJones.argon(), new VelocityVerlet(2.0), r);
            double[] lastEnergy = {0};
            double[] lastForces = {0};
            run.observeWithStress(5, w);
            run.observe(5, x -> {
                lastEnergy[0] = x.potentialEnergy();
                lastForces[0] = x.result().forces()[4];
            });
            run.run(20);
            // flushed: readable while the writer is still open
            List<Frame> frames = ExtXyz.read(file);
            assertEquals(5, frames.size());
            assertEquals(5, w.frames());
            Frame last = frames.get(4);
            assertEquals(20L, last.info().get("step"));
            assertEquals(40.0, (Double) last.info().get("time"), 1e-12);
            assertEquals(lastEnergy[0], last.energy(), 0);
            assertEquals(lastForces[0], last.forces()[4], 0);
            assertArrayEquals(r.stressCopy(), last.stress(), 1e-18);
            assertArrayEquals(s.positions(), last.structure().positions(), 0);
            assertArrayEquals(s.velocities(), AtomsSystem.of(last).velocities(), 1e-15);
            assertArrayEquals(r.atomEnergiesCopy(), last.arrays().get("energies").doubles(), 0);
        }
    }

    @Test
    void refusesNonFiniteFrames() {
        AtomsSystem s = argon();
        ForceResult r = new ForceResult();
        LennardJones.argon().compute(s, ForceResult.ALL, r);
        StringWriter sw = new StringWriter();
        TrajectoryWriter w = new TrajectoryWriter(sw, null);
        r.forces()[7] = Double.NaN;
        MdException e = assertThrows(MdException.class, () -> w.write(s, r, 3, 6.0));
        assertTrue(e.getMessage().contains("atom 2 (Ar)") && e.getMessage().contains("step 3"), e.getMessage());
        r.forces()[7] = 0;
        r.setEnergy(Double.POSITIVE_INFINITY);
        assertThrows(MdException.class, () -> w.write(s, r, 3, 6.0));
        assertEquals("", sw.toString());
        assertEquals(0, w.frames());
    }

    @Test
    void aseCanReadTheTrajectoryIfAvailable(@TempDir Path dir) throws Exception {
        Path python = Path.of(System.getProperty("e3j.python", "../python/.venv/bin/python")).toAbsolutePath().normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "no ASE venv");
        Path file = dir.resolve("t.extxyz");
        AtomsSystem s = argon();
        ForceResult r = new ForceResult();
        try (TrajectoryWriter w = TrajectoryWriter.open(file, new TrajectoryWriter.Options(true, false))) {
            MdRun run = new MdRun(s, LennardJones.argon(), new VelocityVerlet(2.0), r);
            run.observeWithStress(2, w);
            run.run(4);
        }
        String script = "import sys, numpy as np\nfrom ase.io import read\n"
                + "fr = read(sys.argv[1], ':')\n"
                + "a = fr[-1]\n"
                + "print(len(fr), repr(float(a.get_potential_energy())), repr(float(a.get_forces()[1,2])),"
                + " repr(float(a.get_stress()[3])), repr(float(a.get_velocities()[2,0])), a.info['step'])\n";
        Process p = new ProcessBuilder(python.toString(), "-c", script, file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), out);
        String[] t = out.split("\\s+");
        assertEquals("3", t[0], out);
        assertEquals(r.energy(), Double.parseDouble(t[1]), 0, out);
        assertEquals(r.forces()[5], Double.parseDouble(t[2]), 0, out);
        assertEquals(r.stress()[3], Double.parseDouble(t[3]), 1e-18, out);
        assertEquals(s.velocities()[6], Double.parseDouble(t[4]), 1e-15, out);
        assertEquals("4", t[5], out);
    }

    @Test
    void aNewTrajectoryRefusesAnExistingFileAndALockedOneRefusesASecondWriter(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("t.xyz"), "earlier run\n");
        assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> TrajectoryWriter.open(file, TrajectoryWriter.Options.DEFAULT));
        assertEquals("earlier run\n", Files.readString(file));
        try (TrajectoryWriter first = TrajectoryWriter.open(file, null, TrajectoryWriter.Mode.OVERWRITE)) {
            assertEquals("earlier run\n", Files.readString(file), "replaced only once the new run has a frame");
            for (TrajectoryWriter.Mode m : TrajectoryWriter.Mode.values()) {
                if (m == TrajectoryWriter.Mode.CREATE) {
                    continue;
                }
                java.io.IOException e = assertThrows(java.io.IOException.class, () -> TrajectoryWriter.open(file, null, m));
                assertTrue(e.getMessage().contains("another run is writing"), e.getMessage());
            }
            AtomsSystem s = argon();
            ForceResult r = new ForceResult();
            LennardJones.argon().compute(s, ForceResult.ENERGY | ForceResult.FORCES, r);
            first.write(s, r, 0, 0.0);
        }
        assertEquals(1, ExtXyz.read(file).size());
        // a new file that never got a frame is removed on close (a run that failed before its first frame)
        Path unused = dir.resolve("unused.xyz");
        TrajectoryWriter.open(unused, null).close();
        assertTrue(Files.notExists(unused));
    }

    @Test
    void anOverwriteThatGetsNoFrameLeavesTheEarlierTrajectoryAndHardLinksKeepTheirContent(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(dir.resolve("t.xyz"), "earlier run\n");
        Path link = Files.createLink(dir.resolve("backup.xyz"), file);
        // a run that fails before its first frame (MD cannot start, a bad structure): nothing is lost
        TrajectoryWriter.open(file, null, TrajectoryWriter.Mode.OVERWRITE).close();
        assertEquals("earlier run\n", Files.readString(file));
        try (var listing = Files.list(dir)) {
            assertEquals(2, listing.count(), "no temporary file is left behind");
        }
        AtomsSystem s = argon();
        ForceResult r = new ForceResult();
        LennardJones.argon().compute(s, ForceResult.ENERGY | ForceResult.FORCES, r);
        try (TrajectoryWriter w = TrajectoryWriter.open(file, null, TrajectoryWriter.Mode.OVERWRITE)) {
            w.write(s, r, 0, 0.0);
            assertEquals(1, ExtXyz.read(file).size(), "after its first frame the new run has the name");
            w.write(s, r, 1, 2.0);
        }
        assertEquals(2, ExtXyz.read(file).size());
        assertEquals("earlier run\n", Files.readString(link), "the other name of the earlier file keeps it");
        // through a symlink: the link stays, the file it points to is replaced
        Path viaLink = Files.createSymbolicLink(dir.resolve("current.xyz"), file.getFileName());
        try (TrajectoryWriter w = TrajectoryWriter.open(viaLink, null, TrajectoryWriter.Mode.OVERWRITE)) {
            w.write(s, r, 7, 14.0);
        }
        assertTrue(Files.isSymbolicLink(viaLink));
        assertEquals(1, ExtXyz.read(file).size());
        try (var listing = Files.list(dir)) {
            assertEquals(3, listing.count(), "no temporary file is left behind");
        }
    }

    @Test
    void aRunContinuedFromItsTrajectoryEqualsTheUninterruptedRun(@TempDir Path dir) throws Exception {
        TrajectoryWriter.Options withMomenta = new TrajectoryWriter.Options(true, false);
        Path whole = dir.resolve("whole.xyz");
        AtomsSystem a = argon();
        try (TrajectoryWriter w = TrajectoryWriter.open(whole, withMomenta)) {
            MdRun run = new MdRun(a, LennardJones.argon(), new VelocityVerlet(2.0));
            run.observe(5, w);
            run.run(20);
        }
        Path parts = dir.resolve("parts.xyz");
        try (TrajectoryWriter w = TrajectoryWriter.open(parts, withMomenta)) {
            MdRun run = new MdRun(argon(), LennardJones.argon(), new VelocityVerlet(2.0));
            run.observe(5, w);
            run.run(10);
        }
        TrajectoryResume from = TrajectoryResume.read(parts);
        assertEquals(10, from.step());
        assertEquals(20.0, from.timeFs(), 0);
        assertEquals(3, from.frames());
        // a file whose last line lost its line break is still continued (the break is added first)
        Files.writeString(parts, Files.readString(parts).stripTrailing());
        assertThrows(java.io.IOException.class, () -> TrajectoryWriter.append(parts, withMomenta, from.size()).close(),
                "changed since it was read");
        TrajectoryResume again = TrajectoryResume.read(parts);
        try (TrajectoryWriter w = TrajectoryWriter.append(parts, withMomenta, again.size())) {
            assertEquals(again.size() + 1, w.size());
            MdRun run = new MdRun(again.system(), LennardJones.argon(), new VelocityVerlet(2.0)).continueFrom(10, 20.0);
            run.observe(5, r -> {
                if (r.step() != 10) {
                    w.observe(r);
                }
            });
            run.run(10);
        }
        List<Frame> one = ExtXyz.read(whole);
        List<Frame> two = ExtXyz.read(parts);
        assertEquals(5, one.size());
        assertEquals(5, two.size());
        for (int k = 0; k < 5; k++) {
            assertEquals(one.get(k).info().get("step"), two.get(k).info().get("step"));
            assertEquals((Double) one.get(k).info().get("time"), (Double) two.get(k).info().get("time"), 1e-12);
            // velocities pass through momenta = m v and back: equal to rounding
            assertArrayEquals(one.get(k).structure().positions(), two.get(k).structure().positions(), 1e-12);
            assertArrayEquals(AtomsSystem.of(one.get(k)).velocities(), AtomsSystem.of(two.get(k)).velocities(), 1e-12);
            assertEquals(one.get(k).energy(), two.get(k).energy(), 1e-12);
        }
    }

    @Test
    void aDamagedOrVelocityLessTrajectoryCannotBeContinued(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.xyz");
        try (TrajectoryWriter w = TrajectoryWriter.open(file, new TrajectoryWriter.Options(true, false))) {
            MdRun run = new MdRun(argon(), LennardJones.argon(), new VelocityVerlet(2.0));
            run.observe(1, w);
            run.run(2);
        }
        String text = Files.readString(file);
        Path cut = Files.writeString(dir.resolve("cut.xyz"), text.substring(0, text.length() - 40));
        MdException e = assertThrows(MdException.class, () -> TrajectoryResume.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": cannot continue this trajectory, it is damaged after 2 complete "
                + "frames"), e.getMessage());

        Path plain = dir.resolve("plain.xyz");
        try (TrajectoryWriter w = TrajectoryWriter.open(plain, TrajectoryWriter.Options.DEFAULT)) {
            MdRun run = new MdRun(argon(), LennardJones.argon(), new VelocityVerlet(2.0));
            run.observe(1, w);
            run.run(1);
        }
        e = assertThrows(MdException.class, () -> TrajectoryResume.read(plain));
        assertTrue(e.getMessage().contains("has no momenta"), e.getMessage());
    }
}
