package org.e3j.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;

/**
 * The parity fixtures that {@code python -m e3j_jax.fixtures} writes from real e3nn-jax into
 * {@code tests/fixtures/<case>/} (model.safetensors + fixture.safetensors; names in docs/contracts.md).
 */
final class Fixtures {
    private Fixtures() {}

    /** The fixture root: {@code -De3j.fixtures=DIR}, else {@code fixtures/} beside this module's pom. */
    static Path root() {
        String override = System.getProperty("e3j.fixtures");
        return Path.of(override != null ? override : "fixtures");
    }

    static List<Path> cases() throws IOException {
        Path root = root();
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("no fixtures at " + root.toAbsolutePath()
                    + ": run python -m e3j_jax.fixtures --out tests/fixtures");
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("fixture.safetensors"))).sorted().toList();
        }
    }

    /** The model input recorded in a fixture (atomic numbers, positions, edges, shifts, n_node). */
    static ModelInput input(SafeTensors f) {
        return new ModelInput(f.ints("input/numbers"), f.doubles("input/positions"), f.ints("input/senders"),
                f.ints("input/receivers"), f.contains("input/shifts") ? f.doubles("input/shifts") : null,
                f.ints("input/n_node"));
    }
}
