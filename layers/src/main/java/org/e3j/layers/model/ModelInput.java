package org.e3j.layers.model;

import org.e3j.engine.E3jException;

/**
 * One batch of graphs as a model sees it, in GraphsTuple terms: atomic numbers, positions (Å),
 * edges (sender, receiver) with optional Cartesian periodic shifts (so that
 * {@code r = pos[receiver] - pos[sender] + shift}), and n_node per graph. Validated on construction:
 * a bad index or a non-finite coordinate is named here rather than turning into NaN later.
 */
public record ModelInput(int[] numbers, double[] positions, int[] senders, int[] receivers, double[] shifts,
        int[] nNode) {

    public ModelInput {
        int n = numbers.length;
        if (positions.length != 3 * n) {
            throw new E3jException("positions have " + positions.length + " values for " + n + " atoms (need 3 per atom)");
        }
        for (int i = 0; i < positions.length; i++) {
            if (!Double.isFinite(positions[i])) {
                throw new E3jException("atom " + i / 3 + ": coordinate " + "xyz".charAt(i % 3) + " is " + positions[i]);
            }
        }
        if (senders.length != receivers.length) {
            throw new E3jException(senders.length + " senders but " + receivers.length + " receivers");
        }
        for (int e = 0; e < senders.length; e++) {
            if (senders[e] < 0 || senders[e] >= n || receivers[e] < 0 || receivers[e] >= n) {
                throw new E3jException("edge " + e + " (" + senders[e] + " -> " + receivers[e]
                        + ") indexes past the " + n + " nodes");
            }
        }
        if (shifts != null) {
            if (shifts.length != 3 * senders.length) {
                throw new E3jException("shifts have " + shifts.length + " values for " + senders.length + " edges");
            }
            for (int i = 0; i < shifts.length; i++) {
                if (!Double.isFinite(shifts[i])) {
                    throw new E3jException("edge " + i / 3 + ": shift is not finite");
                }
            }
        }
        long total = 0;
        for (int g = 0; g < nNode.length; g++) {
            if (nNode[g] < 0) {
                throw new E3jException("n_node[" + g + "] = " + nNode[g] + " is negative");
            }
            total += nNode[g];
        }
        if (total != n) {
            throw new E3jException("n_node sums to " + total + " but there are " + n + " atoms");
        }
    }

    public int numNodes() {
        return numbers.length;
    }

    public int numEdges() {
        return senders.length;
    }

    public int numGraphs() {
        return nNode.length;
    }

    /** {@code pos[receiver] - pos[sender] + shift} for every edge, row-major [E][3]. */
    public double[] edgeVectors() {
        double[] v = new double[3 * senders.length];
        for (int e = 0; e < senders.length; e++) {
            for (int c = 0; c < 3; c++) {
                v[3 * e + c] = positions[3 * receivers[e] + c] - positions[3 * senders[e] + c]
                        + (shifts == null ? 0.0 : shifts[3 * e + c]);
            }
        }
        return v;
    }
}
