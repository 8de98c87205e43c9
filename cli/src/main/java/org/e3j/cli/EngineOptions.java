package org.e3j.cli;

import java.nio.file.Path;
import org.e3j.engine.plan.WorkerPool;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.md.ForceField;
import picocli.CommandLine.Option;

/** Options shared by every command that evaluates a model: which file, which engine, how many threads. */
public final class EngineOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "model file (.safetensors, see docs/model-format.md); default: the bundled copper model")
    Path model;

    @Option(names = "--engine", paramLabel = "fast|reference", defaultValue = "fast",
            description = "fast: the float32 planned engine (default); reference: double precision, op by op (slow, exact)")
    String engine;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "1",
            description = "worker threads of the fast engine (default ${DEFAULT-VALUE})")
    int threads;

    /** Role of the model file in error messages: "model file m.safetensors: no such file". */
    static final String ROLE = "model file";

    /** The model file: the one given (checked: a readable file) or the bundled one. */
    Path modelPath() {
        return model != null ? InputFiles.requireReadable(ROLE, model) : Defaults.bundledModel();
    }

    ForceField open() {
        return open(false);
    }

    /** For commands that evaluate each structure once (eval): the fast engine keeps no Verlet skin. */
    ForceField openForSingleEvaluations() {
        return open(true);
    }

    /**
     * Refuses --threads and --engine values a force field cannot take: called first thing by each
     * command, so a usage error is reported as one (exit 2) before any input is read.
     */
    void validate() {
        if (threads < 1 || threads > WorkerPool.MAX_THREADS) {
            throw new OptionException("--threads must be between 1 and " + WorkerPool.MAX_THREADS + ", got " + threads);
        }
        if (!engine.equals("fast") && !engine.equals("reference")) {
            throw new OptionException("--engine must be fast or reference, got " + engine);
        }
        if (engine.equals("reference") && threads != 1) {
            // it would be ignored (and bench and md would report a thread count that was not used)
            throw new OptionException("--threads " + threads + ": the reference engine runs on one thread; "
                    + "--threads is the fast engine's");
        }
    }

    private ForceField open(boolean single) {
        validate();
        Path path = modelPath();
        try {
            if (!engine.equals("fast")) {
                return ModelForceFields.reference(path);
            }
            return single ? ModelForceFields.fastSingle(path, threads) : ModelForceFields.fast(path, threads);
        } catch (ModelFormatException e) {
            throw InputFiles.whileReading(ROLE, path, e);
        }
    }
}
