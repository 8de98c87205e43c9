package org.e3j.graph;

import org.e3j.engine.E3jException;

/** A graph (senders, receivers, n_node, n_edge, shifts) is inconsistent; the message names the culprit. */
public class GraphException extends E3jException {
    private static final long serialVersionUID = 1L;

    public GraphException(String message) {
        super(message);
    }
}
