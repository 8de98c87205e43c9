package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.graph.io.Property;
import org.e3j.layers.io.SafeTensors;
import org.e3j.md.AtomsSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 findings 1-3 and 11, issue 14's "eval keeps the input's keys", in-process
 * ({@link Main#run}): no command writes onto one of its inputs, md never overwrites a trajectory
 * unless told and can continue one, eval and bench refuse non-finite results.
 */
class OutputSafetyTest {
    static final Path MODEL = CliProcessTest.MODEL;

    @TempDir
    Path dir;
    Path crystal;

    record Run(int status, String out, String err) {}

    static Run e3j(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    /** The fixture's 32-atom periodic crystal (Ga/As, from real e3nn-jax) as an extended-XYZ file. */
    static Structure crystalStructure() {
        SafeTensors f = SafeTensors.open(CliProcessTest.FIXTURE);
        int[] p = f.ints("input/pbc");
        return new Structure(f.ints("input/numbers"), f.doubles("input/positions"), f.doubles("input/cell"),
                new boolean[] {p[0] != 0, p[1] != 0, p[2] != 0});
    }

    @BeforeEach
    void writeCrystal() throws IOException {
        crystal = dir.resolve("crystal.xyz");
        ExtXyz.write(crystal, List.of(Frame.of(crystalStructure())));
    }

    /**
     * The fixture model with every weight but LayerNorm's multiplied by 1e30: still a valid file of
     * finite float32 numbers, but the activations overflow (the fast engine's energy is NaN, the
     * reference engine's stress NaN; measured on main, where eval wrote them and exited 0).
     */
    static Path overflowingModel(Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(MODEL);
        SafeTensors st = SafeTensors.open(MODEL);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (String name : st.names()) {
            SafeTensors.Info info = st.info(name);
            if (name.contains("LayerNorm") || info.dtype() != SafeTensors.DType.F32) {
                continue;
            }
            for (long o = info.offset(); o < info.offset() + info.byteLength(); o += 4) {
                b.putFloat((int) o, b.getFloat((int) o) * 1e30f);
            }
        }
        return Files.write(dir.resolve("overflowing.safetensors"), bytes);
    }

    private List<Path> temporaries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    private static void oneLine(Run r, String contains) {
        oneLine(r, Main.EXIT_INPUT_ERROR, contains);
    }

    /** One line on stderr containing {@code contains}, and exit status {@code status}. */
    private static void oneLine(Run r, int status, String contains) {
        assertEquals(status, r.status(), r.out() + r.err());
        assertTrue(r.err().startsWith("e3j: ") && r.err().contains(contains), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    // ---- finding 1: eval onto its own input ----

    @Test
    void evalRefusesToWriteOntoItsInputOrModelEvenThroughASymlink() throws Exception {
        Path traj = Files.copy(crystal, dir.resolve("traj.xyz"));
        Path link = Files.createSymbolicLink(dir.resolve("link.xyz"), traj.getFileName());
        Path model = Files.copy(MODEL, dir.resolve("model.safetensors"));
        byte[] trajBytes = Files.readAllBytes(traj);
        byte[] modelBytes = Files.readAllBytes(model);

        oneLine(e3j("eval", traj.toString(), "-o", traj.toString(), "-m", model.toString()), "is also the input");
        oneLine(e3j("eval", traj.toString(), "-o", link.toString(), "-m", model.toString()), "is also the input");
        oneLine(e3j("eval", link.toString(), "-o", traj.toString(), "-m", model.toString()), "is also the input");
        oneLine(e3j("eval", traj.toString(), "-o", model.toString(), "-m", model.toString()), "is also the model");

        assertArrayEquals(trajBytes, Files.readAllBytes(traj));
        assertArrayEquals(modelBytes, Files.readAllBytes(model));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(List.of(), temporaries());
    }

    // ---- issue 14: eval keeps the input's info keys and per-atom arrays ----

    @Test
    void evalKeepsTheInputsInfoAndArraysAndReplacesOnlyItsOwnNames() throws Exception {
        Structure s = crystalStructure();
        int n = s.size();
        int[] tags = new int[n];
        double[] charges = new double[n];
        double[] staleForces = new double[3 * n];
        for (int i = 0; i < n; i++) {
            tags[i] = i % 3;
            charges[i] = 0.25 * i;
            staleForces[3 * i] = 99;
        }
        Frame in = Frame.of(s).withInfo("config_type", "bulk crystal").withInfo("temperature_K", 300L)
                .withInfo("free_energy", -1.0).withEnergy(5.0).withArray(Property.integer("tags", 1, tags))
                .withArray(Property.real("charges", 1, charges)).withForces(staleForces);
        Path input = dir.resolve("labelled.xyz");
        ExtXyz.write(input, List.of(in));
        Path out = dir.resolve("out.xyz");
        Run r = e3j("eval", input.toString(), "-o", out.toString(), "-m", MODEL.toString(), "--engine", "reference");
        assertEquals(0, r.status(), r.err());
        Path plain = dir.resolve("plain.xyz");
        assertEquals(0, e3j("eval", crystal.toString(), "-o", plain.toString(), "-m", MODEL.toString(), "--engine",
                "reference").status());
        Frame got = ExtXyz.read(out).get(0);
        Frame ours = ExtXyz.read(plain).get(0);

        assertEquals("bulk crystal", got.info().get("config_type"));
        assertEquals(300L, got.info().get("temperature_K"));
        assertArrayEquals(tags, got.arrays().get("tags").ints());
        assertArrayEquals(charges, got.arrays().get("charges").doubles(), 0);
        // ours replace theirs; a free_energy of an earlier calculation is not kept beside our energy
        assertEquals(ours.energy(), got.energy(), 0);
        assertNotEquals(5.0, got.energy());
        assertArrayEquals(ours.forces(), got.forces(), 0);
        assertArrayEquals(ours.stress(), got.stress(), 0);
        assertArrayEquals(ours.arrays().get("energies").doubles(), got.arrays().get("energies").doubles(), 0);
        assertNull(got.info().get("free_energy"));
    }

    /** The same through ASE: a file ASE wrote (with an earlier calculator's results) in, ASE reading ours out. */
    @Test
    void evalOfAnAseFileKeepsWhatAseWroteAndAseReadsOurResults() throws Exception {
        Path python = Path.of(System.getProperty("e3j.python", "../python/.venv/bin/python")).toAbsolutePath()
                .normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "no ASE venv");
        Path in = dir.resolve("ase.xyz");
        Path out = dir.resolve("ase-eval.xyz");
        String write = String.join("\n",
                "import sys, numpy as np",
                "from ase.io import read, write",
                "from ase.calculators.singlepoint import SinglePointCalculator",
                "a = read(sys.argv[1])",
                "a.info['config_type'] = 'bulk'",
                "a.set_tags(np.arange(len(a)) % 3)",
                "a.set_initial_charges(np.linspace(-1, 1, len(a)))",
                "a.calc = SinglePointCalculator(a, energy=5.0, free_energy=4.0, forces=np.ones((len(a), 3)))",
                "write(sys.argv[2], a, format='extxyz')");
        assertEquals("", python(python, write, crystal.toString(), in.toString()));
        Run r = e3j("eval", in.toString(), "-o", out.toString(), "-m", MODEL.toString(), "--engine", "reference");
        assertEquals(0, r.status(), r.err());
        Frame ours = ExtXyz.read(out).get(0);
        String check = String.join("\n",
                "import sys, numpy as np",
                "from ase.io import read",
                "a = read(sys.argv[1])",
                "assert a.info['config_type'] == 'bulk', a.info",
                "assert list(a.get_tags()) == list(np.arange(len(a)) % 3), a.get_tags()",
                "assert np.allclose(a.get_initial_charges(), np.linspace(-1, 1, len(a)))",
                "fe = a.calc.results.get('free_energy')",
                "print(repr(float(a.get_potential_energy())), repr(float(a.get_forces()[3, 1])),"
                        + " repr(float(a.get_stress()[5])), repr(None if fe is None else float(fe)))");
        String[] got = python(python, check, out.toString()).split(" ");
        assertEquals(ours.energy(), Double.parseDouble(got[0]), 0);
        assertEquals(ours.forces()[10], Double.parseDouble(got[1]), 0);
        assertEquals(ours.stress()[5], Double.parseDouble(got[2]), 1e-15);
        // ASE's SinglePointCalculator reports free_energy = energy when none is given: not the stale 4.0
        assertNotEquals("4.0", got[3]);
    }

    private static String python(Path python, String script, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(python.toString(), "-c", script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    // ---- finding 11: non-finite results are refused, nothing written ----

    @Test
    void evalAndBenchRefuseNonFiniteResultsAndWriteNothing() throws Exception {
        Path bad = overflowingModel(dir);
        Path out = dir.resolve("out.xyz");
        Path earlier = Files.writeString(dir.resolve("earlier.xyz"), "an earlier result\n");
        for (String engine : new String[] {"fast", "reference"}) {
            Run r = e3j("eval", crystal.toString(), "-o", out.toString(), "-m", bad.toString(), "--engine", engine);
            assertEquals(1, r.status(), engine + ": " + r.out() + r.err());
            assertTrue(r.err().contains("crystal.xyz frame 0") && r.err().contains("non-finite"), r.err());
            assertFalse(Files.exists(out), engine + ": nothing written");
            Run again = e3j("eval", crystal.toString(), "-o", earlier.toString(), "-m", bad.toString(), "--engine",
                    engine);
            assertEquals(1, again.status());
            assertEquals("an earlier result\n", Files.readString(earlier), "an existing output stays as it was");

            Run bench = e3j("bench", "-s", crystal.toString(), "-m", bad.toString(), "--engine", engine, "--warmup",
                    "0", "--time", "0.01");
            assertEquals(1, bench.status(), engine + ": " + bench.out() + bench.err());
            assertTrue(bench.err().contains("non-finite"), bench.err());
            assertFalse(bench.out().contains("energy NaN"), bench.out());
        }
        assertEquals(List.of(), temporaries());
    }

    // ---- finding 2: md's plot and trajectory never share a name ----

    @Test
    void mdRefusesAPictureNameForItsTrajectory() throws Exception {
        for (String name : new String[] {"run.png", "RUN.SVG"}) {
            Path png = dir.resolve(name);
            Run r = e3j("md", "-m", MODEL.toString(), "-s", crystal.toString(), "--steps", "2", "-o", png.toString(),
                    "--quiet");
            oneLine(r, Main.EXIT_USAGE, "name it .xyz");
            assertFalse(Files.exists(png));
        }
        // the plot beside a trajectory must not replace an input either
        Path structurePng = Files.copy(crystal, dir.resolve("start.png"));
        Run r = e3j("md", "-m", MODEL.toString(), "-s", structurePng.toString(), "--steps", "2", "-o",
                dir.resolve("start.xyz").toString(), "--quiet");
        oneLine(r, "is also the structure");
        assertArrayEquals(Files.readAllBytes(crystal), Files.readAllBytes(structurePng));
    }

    // ---- finding 3: md refuses to overwrite, continues a run, honours momenta ----

    private Run md(Path out, long steps, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("md", "-m", MODEL.toString(), "--steps",
                Long.toString(steps), "--every", "4", "--timestep", "1", "--quiet", "-o", out.toString()));
        args.addAll(List.of(more));
        return e3j(args.toArray(String[]::new));
    }

    @Test
    void mdRefusesToOverwriteATrajectoryUnlessToldAndNeverItsOwnStructure() throws Exception {
        Path traj = dir.resolve("t.xyz");
        assertEquals(0, md(traj, 4, "-s", crystal.toString()).status());
        byte[] before = Files.readAllBytes(traj);
        oneLine(md(traj, 4, "-s", crystal.toString()), "exists; --force overwrites it");
        oneLine(md(traj, 4, "-s", traj.toString()), "exists");
        oneLine(md(traj, 4, "-s", traj.toString(), "--force"), "is also the structure");
        assertArrayEquals(before, Files.readAllBytes(traj));
        Run forced = md(traj, 8, "-s", crystal.toString(), "--force");
        assertEquals(0, forced.status(), forced.err());
        assertEquals(3, ExtXyz.read(traj).size());
    }

    @Test
    void mdRefusesToReplaceAnExistingPlotUnlessForced() throws Exception {
        Path traj = dir.resolve("new.xyz");
        Path plot = Files.writeString(dir.resolve("new.png"), "the user's own picture");
        oneLine(md(traj, 4, "-s", crystal.toString()), "new.png: exists");
        assertEquals("the user's own picture", Files.readString(plot));
        assertFalse(Files.exists(traj));
        Run forced = md(traj, 4, "-s", crystal.toString(), "--force");
        assertEquals(0, forced.status(), forced.err());
        assertTrue(Files.size(plot) > 1000 && !Files.readString(plot, java.nio.charset.StandardCharsets.ISO_8859_1)
                .startsWith("the user's"), "--force replaced it with the energy plot");
    }

    @Test
    void aForcedRunThatCannotStartLeavesTheEarlierTrajectoryWhole() throws Exception {
        Path traj = dir.resolve("t.xyz");
        assertEquals(0, md(traj, 4, "-s", crystal.toString()).status());
        byte[] before = Files.readAllBytes(traj);
        // the first force call fails (non-finite energy) after the trajectory is opened: on main before
        // this test, --force had emptied the file by then and left it at 0 bytes
        Path bad = overflowingModel(dir);
        Run failed = e3j("md", "-m", bad.toString(), "--steps", "4", "--timestep", "1", "--quiet", "-o",
                traj.toString(), "-s", crystal.toString(), "--force");
        assertEquals(1, failed.status(), failed.err());
        assertArrayEquals(before, Files.readAllBytes(traj));
        assertEquals(List.of(), temporaries(), "no temporary file is left behind");
    }

    @Test
    void mdContinuesARunFromItsLastFrameAsIfItHadNotStopped() throws Exception {
        Path whole = dir.resolve("whole.xyz");
        Path parts = dir.resolve("parts.xyz");
        assertEquals(0, md(whole, 8, "-s", crystal.toString()).status());
        assertEquals(0, md(parts, 4, "-s", crystal.toString()).status());
        Run resumed = md(parts, 4, "--resume");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("continued from step 4"), resumed.out());
        List<Frame> a = ExtXyz.read(whole);
        List<Frame> b = ExtXyz.read(parts);
        assertEquals(3, a.size());
        assertEquals(3, b.size());
        for (int k = 0; k < 3; k++) {
            assertEquals(a.get(k).info().get("step"), b.get(k).info().get("step"));
            assertEquals((Double) a.get(k).info().get("time"), (Double) b.get(k).info().get("time"), 1e-12);
            // the continued run restarts from positions and momenta written with full precision:
            // the fast engine sees the same state to the last bits of the velocities
            assertArrayEquals(a.get(k).structure().positions(), b.get(k).structure().positions(), 1e-9);
            assertArrayEquals(AtomsSystem.of(a.get(k)).velocities(), AtomsSystem.of(b.get(k)).velocities(), 1e-9);
        }
        oneLine(md(dir.resolve("none.xyz"), 4, "--resume"), "no such trajectory to --resume");
        oneLine(md(parts, 4, "--resume", "-s", crystal.toString()), Main.EXIT_USAGE, "--resume");
    }

    @Test
    void aContinuedRunKeepsTheSettingsItsTrajectoryRecords() throws Exception {
        // on main before this test, --resume went on as NVE at 2 fs whatever the run had been
        Path traj = dir.resolve("nvt.xyz");
        Run first = e3j("md", "-m", MODEL.toString(), "-s", crystal.toString(), "--ensemble", "nvt", "-T", "600",
                "--friction", "0.02", "--timestep", "0.5", "--seed", "9", "--steps", "4", "--every", "2", "--quiet",
                "-o", traj.toString());
        assertEquals(0, first.status(), first.err());
        Run resumed = e3j("md", "-m", MODEL.toString(), "--resume", "--steps", "4", "--every", "2", "--quiet", "-o",
                traj.toString());
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("NVT") && resumed.out().contains("dt = 0.5 fs")
                && resumed.out().contains("T = 600.0 K"), resumed.out());
        assertFalse(resumed.out().contains("settings changed"), resumed.out());
        List<Frame> frames = ExtXyz.read(traj);
        Map<String, Object> info = frames.get(frames.size() - 1).info();
        assertEquals(8L, info.get("step"));
        assertEquals(4.0, (Double) info.get("time"), 1e-9, "8 steps of 0.5 fs");
        assertEquals("nvt", info.get("md_ensemble"));
        assertEquals(0.5, info.get("md_timestep_fs"));
        assertEquals(600.0, info.get("md_thermostat_K"));
        assertEquals(0.02, info.get("md_friction_per_fs"));
        assertEquals(9L, info.get("md_seed"));
        // an option given with --resume wins, and the header says what changed
        Run changed = e3j("md", "-m", MODEL.toString(), "--resume", "--steps", "2", "--every", "2", "--quiet",
                "--timestep", "1", "-o", traj.toString());
        assertEquals(0, changed.status(), changed.err());
        assertTrue(changed.out().contains("settings changed from the trajectory's: --timestep 1.0 (the trajectory's"
                + " was 0.5)"), changed.out());
        frames = ExtXyz.read(traj);
        assertEquals(6.0, (Double) frames.get(frames.size() - 1).info().get("time"), 1e-9);
        // a recorded value that cannot be used is refused, unless an option replaces it
        Files.writeString(traj, Files.readString(traj).replace("md_timestep_fs=1.0", "md_timestep_fs=-1.0"));
        Run refused = e3j("md", "-m", MODEL.toString(), "--resume", "--steps", "2", "--quiet", "-o", traj.toString());
        assertEquals(1, refused.status(), refused.out() + refused.err());
        assertTrue(refused.err().contains("md_timestep_fs is -1.0 (give --timestep"), refused.err());
        Run replaced = e3j("md", "-m", MODEL.toString(), "--resume", "--steps", "2", "--every", "2", "--quiet",
                "--timestep", "1", "-o", traj.toString());
        assertEquals(0, replaced.status(), replaced.err());
    }

    @Test
    void momentaInTheStartingStructureAreTheInitialVelocities() throws Exception {
        Path traj = dir.resolve("t.xyz");
        assertEquals(0, md(traj, 4, "-s", crystal.toString()).status());
        Frame last = ExtXyz.read(traj).get(1);
        Path start = dir.resolve("start.xyz");
        ExtXyz.write(start, List.of(last));
        Path again = dir.resolve("again.xyz");
        Run r = md(again, 0, "-s", start.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("initial velocities from the momenta of"), r.out());
        Frame first = ExtXyz.read(again).get(0);
        assertArrayEquals(last.arrays().get("momenta").doubles(), first.arrays().get("momenta").doubles(), 1e-12);

        Path fresh = dir.resolve("fresh.xyz");
        Run drawn = md(fresh, 0, "-s", start.toString(), "--seed", "7", "--new-velocities");
        assertEquals(0, drawn.status(), drawn.err());
        assertFalse(java.util.Arrays.equals(last.arrays().get("momenta").doubles(),
                ExtXyz.read(fresh).get(0).arrays().get("momenta").doubles()));
    }

    // ---- session 9: hostile-input probe findings ----

    @Test
    void evalRefusesToReplaceADeviceOrAPipe() throws Exception {
        Path fifo = dir.resolve("pipe.xyz");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        oneLine(e3j("eval", crystal.toString(), "-o", fifo.toString(), "-m", MODEL.toString()), "not a regular file");
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the pipe is still a pipe");
        assertEquals(List.of(), temporaries());
        oneLine(e3j("eval", crystal.toString(), "-o", "", "-m", MODEL.toString()), Main.EXIT_USAGE,
                "output file name is empty");
    }

    @Test
    void evalKeepsAReplacedFilesPermissionsAndFollowsADanglingLink() throws Exception {
        Path priv = Files.writeString(dir.resolve("private.xyz"), "old\n");
        var owner = java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");
        Files.setPosixFilePermissions(priv, owner);
        Run r = e3j("eval", crystal.toString(), "-o", priv.toString(), "-m", MODEL.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(owner, Files.getPosixFilePermissions(priv), "a private file stays private");
        assertTrue(Files.readString(priv).contains("energy="));

        Path link = Files.createSymbolicLink(dir.resolve("link.xyz"), Path.of("target.xyz")); // dangling
        r = e3j("eval", crystal.toString(), "-o", link.toString(), "-m", MODEL.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link stays");
        assertTrue(Files.readString(dir.resolve("target.xyz")).contains("energy="), "the file appears where it points");
        assertEquals(List.of(), temporaries());
    }

    @Test
    void evalRefusesAnEmptyInputAndNamesTheFileOfABadFrame() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.xyz"), "");
        Path out = dir.resolve("out.xyz");
        oneLine(e3j("eval", empty.toString(), "-o", out.toString(), "-m", MODEL.toString()), "empty.xyz: no frames");
        assertFalse(Files.exists(out));
        Path gold = Files.writeString(dir.resolve("gold.xyz"), "1\nLattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"T T T\"\nAu 0 0 0\n");
        oneLine(e3j("eval", gold.toString(), "-o", out.toString(), "-m", MODEL.toString()), "structure file "
                + gold + " frame 0: ");
        assertFalse(Files.exists(out));
        Path folder = Files.createDirectory(dir.resolve("folder.xyz"));
        oneLine(e3j("eval", folder.toString(), "-o", out.toString(), "-m", MODEL.toString()), "is a directory");
    }

    @Test
    void mdEndsItsTrajectoryOnTheLastStepAndResumesFromThere() throws Exception {
        Path traj = dir.resolve("run.xyz");
        Run first = md(traj, 6, "-s", crystal.toString()); // --every 4: frames 0, 4 and the last step, 6
        assertEquals(0, first.status(), first.err());
        assertEquals(List.of("0", "4", "6"), steps(traj));
        Run more = md(traj, 3, "--resume");
        assertEquals(0, more.status(), more.err());
        assertEquals(List.of("0", "4", "6", "8", "9"), steps(traj));
    }

    private static List<String> steps(Path traj) throws IOException {
        return ExtXyz.read(traj).stream().map(f -> String.valueOf(f.info().get("step"))).toList();
    }

    @Test
    void optionsThatWouldBeIgnoredAreRefusedAsUsageErrors() throws Exception {
        Path traj = dir.resolve("t.xyz");
        oneLine(md(traj, 2, "-s", crystal.toString(), "--friction", "0.5"), Main.EXIT_USAGE, "--friction");
        Path withMomenta = dir.resolve("m.xyz");
        assertEquals(0, md(withMomenta, 2, "-s", crystal.toString()).status());
        oneLine(md(traj, 2, "-s", withMomenta.toString(), "-T", "900"), Main.EXIT_USAGE, "--new-velocities");
        oneLine(md(withMomenta, 2, "--resume", "-T", "900"), Main.EXIT_USAGE, "--temperature");
        // NVE from given velocities draws nothing: a seed would be ignored
        oneLine(md(traj, 2, "-s", withMomenta.toString(), "--seed", "7"), Main.EXIT_USAGE, "--seed");
        oneLine(md(withMomenta, 2, "--resume", "--seed", "7"), Main.EXIT_USAGE, "--seed");
        oneLine(md(traj, 2, "--new-velocities"), Main.EXIT_USAGE, "--new-velocities");
        oneLine(md(traj, 2, "-s", crystal.toString(), "--engine", "reference", "-t", "2"), Main.EXIT_USAGE,
                "--threads");
        oneLine(md(traj, 2, "-s", crystal.toString(), "--ensemble", "nvt", "--friction", "0"), Main.EXIT_USAGE,
                "--friction");
        // numbers are plain finite decimals (Java would take hexadecimal floats and type suffixes)
        for (String bad : new String[] {"nan", "NaN", "Infinity", "1e400", "0x1p1", "2d", "300f", " 2", "1_0", "\u0662"}) {
            oneLine(e3j("md", "-m", MODEL.toString(), "--steps", "2", "--quiet", "-o", traj.toString(), "-s",
                    crystal.toString(), "--timestep", bad), Main.EXIT_USAGE, "Invalid value for option '--timestep'");
            oneLine(md(traj, 2, "-s", crystal.toString(), "--ensemble", "nvt", "-T", bad), Main.EXIT_USAGE,
                    "Invalid value for option '--temperature'");
        }
        assertFalse(Files.exists(traj));
        oneLine(e3j("bench", "-s", crystal.toString(), "-m", MODEL.toString(), "--time", "1e10"), Main.EXIT_USAGE,
                "--time");
        oneLine(e3j("bench", "-s", crystal.toString(), "-m", MODEL.toString(), "--warmup", "Infinity"), Main.EXIT_USAGE,
                "--warmup");
        oneLine(e3j("md", "--steps", "abc"), Main.EXIT_USAGE, "e3j md --help");
    }
}
