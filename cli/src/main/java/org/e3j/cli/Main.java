package org.e3j.cli;

import java.io.PrintWriter;
import org.e3j.engine.E3jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code e3j} command. With no arguments it runs the main job, {@code e3j md} (MD of the bundled
 * copper model). Errors are one clear line on stderr and a non-zero exit status.
 */
@Command(name = "e3j", mixinStandardHelpOptions = true, version = "e3j 0.1.0",
        description = "E(3)-equivariant interatomic potentials (e3nn-jax / Flax NequIP-style) on the CPU.",
        subcommands = {MdCommand.class, SeedCommand.class, EvalCommand.class, BenchCommand.class, InfoCommand.class,
                IpiCommand.class, LammpsCommand.class, VizCommand.class, PlotCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit status for bad input (files, structures, models); picocli uses 2 for usage errors. */
    public static final int EXIT_INPUT_ERROR = 1;

    @Override
    public void run() {
        // No subcommand: the main job.
        new CommandLine(new MdCommand()).execute();
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit status (used by tests, which call it in-process too). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable t = ex;
            if (t instanceof E3jException || t instanceof java.io.IOException || t instanceof IllegalArgumentException) {
                commandLine.getErr().println("e3j: " + t.getMessage());
                return EXIT_INPUT_ERROR;
            }
            commandLine.getErr().println("e3j: internal error: " + t);
            t.printStackTrace(commandLine.getErr());
            return 3;
        });
        if (args.length == 0) {
            return cl.execute("md");
        }
        return cl.execute(args);
    }
}
