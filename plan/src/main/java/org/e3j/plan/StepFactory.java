package org.e3j.plan;

import org.e3j.layers.io.ModelFormatException;
import org.e3j.plan.steps.EquivariantSteps;
import org.e3j.plan.steps.GeometrySteps;
import org.e3j.plan.steps.MessageSteps;

/** Builds the float32 step of one graph node from its compiled double op. */
final class StepFactory {
    private StepFactory() {}

    static Step create(StepContext c) {
        Step s = GeometrySteps.create(c);
        if (s == null) {
            s = EquivariantSteps.create(c);
        }
        if (s == null) {
            s = MessageSteps.create(c);
        }
        if (s == null) {
            throw new ModelFormatException("node \"" + c.node() + "\" (" + c.op() + "): the fast engine has no float32"
                    + " step for this op");
        }
        return s;
    }
}
