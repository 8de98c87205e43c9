package org.e3j.plan;

import java.util.List;
import org.e3j.layers.graph.GraphOp;
import org.e3j.layers.graph.ValueType;

/**
 * What a step is built from: the node's name and op, its compiled (validated) double op, which holds
 * the parsed attributes and weights, and the slots and types of its inputs and output.
 */
public record StepContext(String node, String op, GraphOp compiled, int[] in, int out, List<ValueType> inTypes,
        ValueType outType) {}
