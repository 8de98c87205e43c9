package org.e3j.cli;

import java.nio.file.Path;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.ForceField;
import org.e3j.md.model.FastForceField;
import org.e3j.md.model.GraphFastForceField;
import org.e3j.md.model.GraphForceField;
import org.e3j.md.model.ReferenceForceField;

/**
 * Opens a model file as an MD force field with the engine the user chose: a model graph (format
 * version 2, docs/model-graph.md) on the graph planner's fast plan or the double reference
 * executor; version-1 files on the fast model or the reference model, exactly as before.
 */
final class ModelForceFields {
    private ModelForceFields() {}

    static ForceField reference(Path model) {
        SafeTensors file = SafeTensors.open(model);
        if (ModelGraph.isGraphFile(file)) {
            return new GraphForceField(ModelGraph.load(file));
        }
        return new ReferenceForceField(ReferenceModel.load(file));
    }

    static ForceField fast(Path model, int threads) {
        return fast(model, threads, FastForceField.DEFAULT_SKIN);
    }

    /** Each structure evaluated once (eval): no Verlet skin, so ~30 % less memory per atom. */
    static ForceField fastSingle(Path model, int threads) {
        return fast(model, threads, 0.0);
    }

    private static ForceField fast(Path model, int threads, double skin) {
        SafeTensors file = SafeTensors.open(model);
        if (ModelGraph.isGraphFile(file)) {
            return new GraphFastForceField(ModelGraph.load(file), threads, skin);
        }
        return FastForceField.load(model, threads, skin);
    }
}
