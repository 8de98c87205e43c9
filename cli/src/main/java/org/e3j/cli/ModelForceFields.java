package org.e3j.cli;

import java.nio.file.Path;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.ForceField;
import org.e3j.md.model.FastForceField;
import org.e3j.md.model.GraphForceField;
import org.e3j.md.model.ReferenceForceField;

/**
 * Opens a model file as an MD force field with the engine the user chose. A model graph (format
 * version 2, docs/model-graph.md) runs on the reference engine only for now; version-1 files load
 * exactly as before.
 */
final class ModelForceFields {
    static final String GRAPH_NEEDS_REFERENCE = "model graphs run on the reference engine for now: --engine reference";

    private ModelForceFields() {}

    static ForceField reference(Path model) {
        SafeTensors file = SafeTensors.open(model);
        if (ModelGraph.isGraphFile(file)) {
            return new GraphForceField(ModelGraph.load(file));
        }
        return new ReferenceForceField(ReferenceModel.load(file));
    }

    static ForceField fast(Path model, int threads) {
        refuseGraph(model);
        return FastForceField.load(model, threads);
    }

    /** Each structure evaluated once (eval): no Verlet skin, so ~30 % less memory per atom. */
    static ForceField fastSingle(Path model, int threads) {
        refuseGraph(model);
        return FastForceField.load(model, threads, 0.0);
    }

    /** The fast planner does not compile model graphs yet: one clear line instead of a format error. */
    private static void refuseGraph(Path model) {
        if (ModelGraph.isGraphFile(SafeTensors.open(model))) {
            throw new ModelFormatException(GRAPH_NEEDS_REFERENCE);
        }
    }
}
