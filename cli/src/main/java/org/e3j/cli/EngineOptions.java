package org.e3j.cli;

import java.nio.file.Path;
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

    Path modelPath() {
        return model != null ? model : Defaults.bundledModel();
    }

    ForceField open() {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("--threads must be between 1 and 1024, got " + threads);
        }
        return switch (engine) {
            case "fast" -> ModelForceFields.fast(modelPath(), threads);
            case "reference" -> ModelForceFields.reference(modelPath());
            default -> throw new IllegalArgumentException("--engine must be fast or reference, got " + engine);
        };
    }
}
