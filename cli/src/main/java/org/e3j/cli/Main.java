package org.e3j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.e3j.engine.E3jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * The {@code e3j} command. With no arguments it prints its usage (it used to start an MD run that
 * wrote files into the working folder). Errors are one clear line on stderr and a non-zero exit
 * status: {@link #EXIT_INPUT_ERROR} for bad input, 2 for usage errors, {@link #EXIT_OUT_OF_MEMORY}
 * when the Java heap is too small, 3 for bugs (with a stack trace).
 */
@Command(name = "e3j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "E(3)-equivariant interatomic potentials (e3nn-jax / Flax NequIP-style) on the CPU.",
        subcommands = {MdCommand.class, SeedCommand.class, EvalCommand.class, BenchCommand.class, InfoCommand.class,
                IpiCommand.class, LammpsCommand.class, VizCommand.class, PlotCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit status for bad input (files, structures, models); picocli uses 2 for usage errors. */
    public static final int EXIT_INPUT_ERROR = 1;
    /** Exit status for usage errors: an unknown option, a value an option cannot take (picocli's code too). */
    public static final int EXIT_USAGE = 2;
    /** Exit status for an unexpected error (a bug): the message and a stack trace. */
    public static final int EXIT_INTERNAL_ERROR = 3;
    /** Exit status when the Java heap is exhausted (the message says how to raise it). */
    public static final int EXIT_OUT_OF_MEMORY = 4;

    /** {@code e3j <command> --version}: the project version, from a resource Maven fills in. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"e3j " + version()};
        }

        static String version() {
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    String v = p.getProperty("version");
                    if (v != null && !v.isBlank() && !v.startsWith("${")) {
                        return v;
                    }
                }
            } catch (IOException ignored) {
                // fall through: a version is not worth failing for
            }
            return "(unknown version)";
        }
    }

    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Spec
    void setSpec(CommandLine.Model.CommandSpec spec) {
        this.spec = spec;
    }

    @Override
    public void run() {
        // No subcommand: say what there is (running one unasked would write files here).
        PrintWriter out = spec.commandLine().getOut();
        spec.commandLine().usage(out);
        out.println();
        out.println("Start with `e3j md` (MD of the bundled copper model); `e3j <command> --help` lists its options.");
    }

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        // A worker thread that runs out of heap would otherwise die with a trace and leave its caller waiting.
        Thread.setDefaultUncaughtExceptionHandler((thread, t) -> {
            if (outOfMemory(t) != null) {
                err.println(outOfMemoryMessage());
                System.exit(EXIT_OUT_OF_MEMORY);
            }
            err.println("e3j: internal error in thread " + thread.getName() + ": " + t);
            t.printStackTrace(err);
            System.exit(EXIT_INTERNAL_ERROR);
        });
        System.exit(run(args, new PrintWriter(System.out, true), err));
    }

    /** Runs the command line and returns the exit status (used by tests, which call it in-process too). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        // every number option is a plain decimal, as the structure reader wants them: not Java's
        // hexadecimal floats ("0x1p1"), type suffixes ("2d"), NaN or Infinity; and it must fit a double
        cl.registerConverter(Double.class, Main::decimal);
        cl.registerConverter(Double.TYPE, Main::decimal);
        // --version on every subcommand, with the same text as `e3j --version`.
        useVersionEverywhere(cl, new Version());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(ex, commandLine.getErr()));
        // a parse error is one line too, with where to look, not the whole usage text
        cl.setParameterExceptionHandler((ex, args1) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName(" ");
            c.getErr().println("e3j: " + ex.getMessage() + " (`" + name + " --help` lists the options)");
            return EXIT_USAGE;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            return report(e, err);
        }
    }

    private static final java.util.regex.Pattern DECIMAL =
            java.util.regex.Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");

    /** A decimal number option: refused (a usage error naming the option) unless plain decimal and finite. */
    static double decimal(String text) {
        if (!DECIMAL.matcher(text).matches()) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a decimal number");
        }
        double v = Double.parseDouble(text);
        if (Double.isInfinite(v)) {
            throw new CommandLine.TypeConversionException("'" + text + "' is too large");
        }
        return v;
    }

    private static void useVersionEverywhere(CommandLine cl, IVersionProvider version) {
        cl.getCommandSpec().versionProvider(version);
        for (CommandLine sub : cl.getSubcommands().values()) {
            useVersionEverywhere(sub, version);
        }
    }

    /** Prints the one-line message for {@code t} (a trace too for a bug) and returns the exit status. */
    static int report(Throwable t, PrintWriter err) {
        if (outOfMemory(t) != null) {
            err.println(outOfMemoryMessage());
            return EXIT_OUT_OF_MEMORY;
        }
        if (t instanceof UncheckedIOException u) {
            IOException cause = u.getCause();
            err.println("e3j: " + (cause instanceof java.nio.file.FileSystemException || u.getMessage() == null
                    ? InputFiles.describe(cause) : u.getMessage() + ": " + InputFiles.describe(cause)));
            return EXIT_INPUT_ERROR;
        }
        if (t instanceof IOException io) {
            err.println("e3j: " + InputFiles.describe(io));
            return EXIT_INPUT_ERROR;
        }
        if (t instanceof OptionException) {
            err.println("e3j: " + t.getMessage());
            return EXIT_USAGE;
        }
        if (t instanceof E3jException || t instanceof IllegalArgumentException) {
            err.println("e3j: " + t.getMessage());
            return EXIT_INPUT_ERROR;
        }
        err.println("e3j: internal error: " + t);
        t.printStackTrace(err);
        return EXIT_INTERNAL_ERROR;
    }

    private static OutOfMemoryError outOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError oom) {
                return oom;
            }
        }
        return null;
    }

    static String outOfMemoryMessage() {
        long maxMb = Runtime.getRuntime().maxMemory() >> 20;
        return "e3j: out of memory: the Java heap (at most " + maxMb + " MB) is too small for this job; raise it, "
                + "e.g. E3J_JAVA_OPTS=-Xmx16g ./e3j ... (or java -Xmx16g ... when starting the jar yourself)";
    }
}
