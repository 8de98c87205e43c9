package org.e3j.plan.steps;

import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/** Float32 steps (being written). */
public final class MessageSteps {
    private MessageSteps() {}

    /** The step for {@code c}'s op, or null if the op is not one of this family. */
    public static Step create(StepContext c) {
        return null;
    }
}
