package org.e3j.layers.flax;

import org.e3j.engine.E3jException;
import org.e3j.layers.io.Params;

/**
 * Flax {@code nn.Embed}: row lookup in a (num_embeddings, features) table. Flax returns NaN rows for
 * ids past the table and wraps negative ids; e3j refuses both, naming the node and the id.
 */
public final class Embed {
    public final int numEmbeddings;
    public final int features;
    public final double[] table;

    public Embed(int numEmbeddings, int features, double[] table) {
        this.numEmbeddings = numEmbeddings;
        this.features = features;
        this.table = table;
    }

    public static Embed load(Params params, String path, int numEmbeddings, int features) {
        return new Embed(numEmbeddings, features, params.get(path + "/embedding", numEmbeddings, features));
    }

    public double[] apply(int[] ids) {
        double[] y = new double[ids.length * features];
        for (int n = 0; n < ids.length; n++) {
            int id = ids[n];
            if (id < 0 || id >= numEmbeddings) {
                throw new E3jException("node " + n + ": id " + id + " is outside the embedding table [0, "
                        + numEmbeddings + ")");
            }
            System.arraycopy(table, id * features, y, n * features, features);
        }
        return y;
    }
}
