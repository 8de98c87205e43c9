package org.e3j.cli;

import java.nio.file.Path;
import org.e3j.md.ForceField;
import org.e3j.md.model.FastForceField;
import org.e3j.md.model.ReferenceForceField;

/** Opens a model file as an MD force field with the engine the user chose. */
final class ModelForceFields {
    private ModelForceFields() {}

    static ForceField reference(Path model) {
        return ReferenceForceField.load(model);
    }

    static ForceField fast(Path model, int threads) {
        return FastForceField.load(model, threads);
    }

    /** Each structure evaluated once (eval): no Verlet skin, so ~30 % less memory per atom. */
    static ForceField fastSingle(Path model, int threads) {
        return FastForceField.load(model, threads, 0.0);
    }
}
