package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.e3j.graph.Elements;
import org.e3j.graph.io.SafeOutput;
import org.e3j.md.ForceField;
import org.e3j.md.lammps.Lammps;
import org.e3j.md.lammps.LammpsScript;
import org.e3j.md.model.FastForceField;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code e3j lammps IN.lmp --elements Cu}: runs a LAMMPS input script in this process (Debian's
 * liblammps0 through the FFM API) with e3j computing the forces of its {@code fix external
 * pf/callback}. LAMMPS integrates, thermostats and writes; see docs/clients.md.
 */
@Command(name = "lammps", mixinStandardHelpOptions = true,
        description = {"Run a LAMMPS input script with e3j as its force field, in one process",
                "(no sockets). The script uses units metal and declares",
                "  fix e3j all external pf/callback 1 1",
                "  fix_modify e3j energy yes virial yes",
                "LAMMPS atom type i is the i-th element of --elements. Needs the LAMMPS",
                "library (Debian/Ubuntu: apt-get install liblammps0, or",
                "E3J_LIBLAMMPS=/path/to/liblammps.so); one MPI rank. See docs/clients.md."})
public final class LammpsCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine = new EngineOptions();

    @Parameters(index = "0", paramLabel = "IN.lmp", description = "LAMMPS input script")
    Path script;

    @Option(names = "--elements", required = true, split = ",", paramLabel = "EL",
            description = "element of each LAMMPS atom type, in type order (e.g. Cu or Cu,Ni)")
    List<String> elements;

    @Option(names = "--log", paramLabel = "FILE",
            description = "LAMMPS log file (default: LAMMPS's log.lammps in the current folder; none for no log)")
    String log;

    @Option(names = "--var", paramLabel = "NAME=VALUE",
            description = "define a LAMMPS index variable (LAMMPS's -var NAME VALUE); repeatable")
    Map<String, String> vars = new LinkedHashMap<>();

    @Option(names = "--quiet", description = "no LAMMPS screen output (the log is still written)")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        engine.validate();
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(script)) {
            throw new IOException(script + ": " + (Files.exists(script) ? "not a regular file" : "no such file")
                    + " (the LAMMPS input script)");
        }
        if (!Files.isReadable(script)) {
            throw new IOException(script + ": not readable (the LAMMPS input script)");
        }
        int[] numbers = new int[elements.size()];
        for (int i = 0; i < numbers.length; i++) {
            String el = elements.get(i).strip();
            if (!Elements.isSymbol(el)) {
                throw new OptionException("--elements: '" + el + "' (type " + (i + 1)
                        + ") is not an element symbol");
            }
            numbers[i] = Elements.number(el);
        }
        // LAMMPS opens its log with fopen(..., "w") as it starts, before the script is read: a log named
        // like the script or the model would empty it (its default, log.lammps in this folder, too)
        String logFile = log == null ? "log.lammps" : log;
        if (!logFile.equals("none")) {
            checkLog(Path.of(logFile), script, engine.modelPath());
        }
        List<String> args = new ArrayList<>();
        if (log != null) {
            args.add("-log");
            args.add(log);
        }
        if (quiet) {
            args.add("-screen");
            args.add("none");
        }
        for (Map.Entry<String, String> v : vars.entrySet()) {
            args.add("-var");
            args.add(v.getKey());
            args.add(v.getValue());
        }
        try (ForceField ff = engine.open(); Lammps lammps = new Lammps(args)) {
            out.printf("e3j lammps: %s with model %s (%s), types %s%n", script, engine.modelPath(),
                    Lammps.libraryName(), String.join(",", elements));
            out.flush();
            LammpsScript.Summary s;
            try {
                s = LammpsScript.run(lammps, script, ff, numbers, elements.toArray(String[]::new));
            } finally {
                Lammps.flushNativeOutput();
            }
            String rebuilds = ff instanceof FastForceField fast ? ", " + fast.rebuildCount() + " neighbour-list builds" : "";
            out.printf("e3j lammps: done, %d force evaluations%s%n", s.evaluations(), rebuilds);
        }
        return 0;
    }

    /** The log must not be the script or the model, nor a folder; a device (/dev/null) is LAMMPS's business. */
    static void checkLog(Path logFile, Path script, Path model) throws IOException {
        if (logFile.toString().isEmpty()) {
            throw new OptionException("--log: the file name is empty (none writes no log)");
        }
        if (Files.isDirectory(logFile)) {
            throw new IOException(logFile + ": is a directory; --log names the LAMMPS log file");
        }
        if (!Files.exists(logFile)) {
            return;
        }
        for (SafeOutput.Input in : new SafeOutput.Input[] {SafeOutput.Input.of("the LAMMPS input script", script),
            SafeOutput.Input.of("the model", model)}) {
            if (in.path() != null && Files.exists(in.path()) && Files.isSameFile(logFile, in.path())) {
                throw new IOException(logFile + ": is also " + in.role() + " (LAMMPS empties its log as it starts)"
                        + "; choose another --log (without --log, LAMMPS writes log.lammps in the current folder)");
            }
        }
    }
}
