package org.e3j.cli.viz;

import java.nio.file.Files;
import java.nio.file.Path;
import org.e3j.layers.io.ModelFormatException;

/**
 * The seed tutorial's example: its 3-atom graph (H, C, O with a fixed cycle of edges, verbatim from
 * {@code e3j_jax.seed.seed_example_graph}) and its randomly initialised SimpleNetwork, exported to
 * {@code tests/fixtures/seed_example/model.safetensors}.
 */
public final class SeedExample {
    public static final int[] NUMBERS = {1, 6, 8};
    public static final double[] POSITIONS = {0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0};
    public static final int[] SENDERS = {0, 1, 2};
    public static final int[] RECEIVERS = {1, 2, 0};
    public static final String MODEL = "tests/fixtures/seed_example/model.safetensors";

    private SeedExample() {}

    /** The model file under the e3j folder {@code home}, else under the working directory or a parent. */
    public static Path model(Path home) {
        Path p = home.resolve(MODEL);
        if (Files.isRegularFile(p)) {
            return p;
        }
        Path found = above(Path.of("").toAbsolutePath());
        if (found == null) {
            try {
                // cli/target/e3j.jar (or cli/target/classes) -> the project folder
                found = above(Path.of(SeedExample.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (Exception ignored) {
                // no code source: nothing more to try
            }
        }
        if (found == null) {
            throw new ModelFormatException("the seed example model " + MODEL + " is not under "
                    + home.toAbsolutePath().normalize() + " (set -De3j.home to the e3j folder, or pass --model)");
        }
        return found;
    }

    private static Path above(Path start) {
        for (Path d = start; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(MODEL))) {
                return d.resolve(MODEL);
            }
        }
        return null;
    }
}
