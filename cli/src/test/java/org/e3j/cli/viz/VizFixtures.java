package org.e3j.cli.viz;

import java.nio.file.Path;
import java.util.Arrays;
import org.e3j.layers.io.SafeTensors;

/** Fixture files the picture tests use (paths relative to the cli module). */
final class VizFixtures {
    static final Path SEED_MODEL = Path.of("../tests/fixtures/seed_example/model.safetensors").toAbsolutePath();
    static final Path SEED_FIXTURE = Path.of("../tests/fixtures/seed_example/fixture.safetensors").toAbsolutePath();
    /** A small Potential (species H, C, N, O) and its 20-atom molecule. */
    static final Path MOLECULE_MODEL = Path.of("../tests/fixtures/potential_molecule20/model.safetensors").toAbsolutePath();
    static final Path MOLECULE_FIXTURE = Path.of("../tests/fixtures/potential_molecule20/fixture.safetensors")
            .toAbsolutePath();

    private VizFixtures() {}

    /** {numbers, positions} of the first graph of a fixture. */
    static Object[] firstGraph(Path fixture) {
        SafeTensors f = SafeTensors.open(fixture);
        int n = f.ints("input/n_node")[0];
        return new Object[] {Arrays.copyOf(f.ints("input/numbers"), n), Arrays.copyOf(f.doubles("input/positions"), 3 * n)};
    }
}
