package org.e3j.cli.viz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.e3j.cli.OptionException;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.graph.NeighborList;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;

/**
 * The data behind {@code e3j viz}: a structure and a rotated copy, and for each the selected
 * channels of a per-atom feature array computed by the model <em>independently</em> (the rotated
 * copy goes through the network as new positions; nothing is rotated after the fact).
 *
 * <p>Per panel: scalar channels (l = 0) give each atom's colour (the first) and size (the second,
 * else the magnitude of the first); vector channels (l = 1) give arrows; all higher-l channels
 * together give one glyph per atom, the signal {@code sum_lm f_lm Y_lm}.
 */
public final class FeatureScene {

    /** How the graph of a structure is built: a fixed edge list, or a radius graph. */
    public interface Edges {
        /** {senders, receivers} for these positions. */
        int[][] build(double[] positions);

        String describe();

        static Edges fixed(int[] senders, int[] receivers) {
            return new Edges() {
                @Override
                public int[][] build(double[] positions) {
                    return new int[][] {senders.clone(), receivers.clone()};
                }

                @Override
                public String describe() {
                    return "fixed edge list";
                }
            };
        }

        static Edges radius(double cutoff) {
            if (!(cutoff > 0) || !Double.isFinite(cutoff)) {
                throw new OptionException("--cutoff must be a positive distance in A, got " + cutoff);
            }
            return new Edges() {
                @Override
                public int[][] build(double[] positions) {
                    NeighborList nl = new NeighborList(cutoff, 0);
                    nl.build(positions, null, new boolean[3]);
                    return new int[][] {nl.senders(), nl.receivers()};
                }

                @Override
                public String describe() {
                    return "radius graph, cutoff " + cutoff + " A";
                }
            };
        }
    }

    /**
     * One panel's data.
     *
     * @param positions Cartesian positions (A), 3N
     * @param colour    per atom, the first scalar channel (null if none selected)
     * @param size      per atom, the second scalar channel, or null
     * @param vectors   per selected l = 1 channel, 3N Cartesian components (e3nn's 1o is (x, y, z))
     * @param glyphs    per atom, the higher-l signal (empty glyphs if none selected)
     */
    public record Panel(String title, int[] numbers, double[] positions, int[][] graph, double[] colour,
            double[] size, double[][] vectors, Glyph[] glyphs) {
        public int atoms() {
            return numbers.length;
        }

        public int edges() {
            return graph[0].length;
        }
    }

    public final String tensor;
    public final Irreps irreps;
    public final List<Channel> channels;
    public final List<Channel> scalars;
    public final List<Channel> vectors;
    public final List<Channel> higher;
    /** The rotation applied to the copy (row-major 3x3), about the centroid. */
    public final double[] rotation;
    public final double[] centroid;
    public final Panel original;
    public final Panel rotated;

    private FeatureScene(String tensor, Irreps irreps, List<Channel> channels, double[] rotation, double[] centroid,
            Panel original, Panel rotated) {
        this.tensor = tensor;
        this.irreps = irreps;
        this.channels = channels;
        this.scalars = channels.stream().filter(c -> c.l() == 0).toList();
        this.vectors = channels.stream().filter(c -> c.l() == 1).toList();
        this.higher = channels.stream().filter(c -> c.l() >= 2).toList();
        this.rotation = rotation.clone();
        this.centroid = centroid;
        this.original = original;
        this.rotated = rotated;
    }

    /**
     * Runs the model on the structure and on its copy rotated by {@code rotation} about the
     * centroid, and picks the channels.
     *
     * @param channelSpecs {@code --channel} values; empty: the first copy of every irrep
     */
    public static FeatureScene compute(ReferenceModel model, int[] numbers, double[] positions, Edges edges,
            String tensor, List<String> channelSpecs, double[] rotation) {
        int n = numbers.length;
        if (n < 2) {
            throw new IllegalArgumentException("the structure has " + n + " atom" + (n == 1 ? "" : "s")
                    + ": e3j viz needs at least 2 (a lone atom has no neighbours, so its features have no direction "
                    + "to show and nothing turns under a rotation)");
        }
        double[] c = new double[3];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                c[k] += positions[3 * i + k] / n;
            }
        }
        double[] rotPos = new double[3 * n];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < 3; a++) {
                double s = 0;
                for (int b = 0; b < 3; b++) {
                    s += rotation[3 * a + b] * (positions[3 * i + b] - c[b]);
                }
                rotPos[3 * i + a] = s + c[a];
            }
        }
        IrrepsArray f0 = features(model, numbers, positions, edges, tensor, "the structure");
        IrrepsArray f1 = features(model, numbers, rotPos, edges, tensor, "the rotated structure");
        List<Channel> channels = channelSpecs == null || channelSpecs.isEmpty() ? Channel.defaults(f0.irreps())
                : Channel.parse(channelSpecs, f0.irreps(), tensor);
        long nScalars = channels.stream().filter(ch -> ch.l() == 0).count();
        if (nScalars > 2) {
            throw new OptionException("--channel selects " + nScalars + " scalar channels; at most 2 can be "
                    + "drawn (the first as colour, the second as size)");
        }
        int[][] e0 = edges.build(positions);
        int[][] e1 = edges.build(rotPos);
        Panel p0 = panel("original", numbers, positions, e0, f0, channels);
        Panel p1 = panel("rotated copy", numbers, rotPos, e1, f1, channels);
        return new FeatureScene(tensor, f0.irreps(), channels, rotation, c, p0, p1);
    }

    private static IrrepsArray features(ReferenceModel model, int[] numbers, double[] pos, Edges edges, String tensor,
            String what) {
        int[][] g = edges.build(pos);
        if (g[0].length == 0) {
            throw new IllegalArgumentException("no two atoms of " + what + " are linked (" + edges.describe()
                    + "): the network would see isolated atoms; raise --cutoff");
        }
        int n = numbers.length;
        ReferenceModel.Result r = model.forward(new ModelInput(numbers, pos, g[0], g[1], null, new int[] {n}));
        IrrepsArray a = r.tensors.get(tensor);
        if (a == null || !perAtom(tensor, a, n)) {
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, IrrepsArray> e : r.tensors.entrySet()) {
                if (perAtom(e.getKey(), e.getValue(), n)) {
                    names.add(e.getKey());
                }
            }
            throw new OptionException("--features " + tensor + ": " + (a == null ? "the model computes no "
                    + "tensor of that name" : "not a per-atom tensor") + "; per-atom tensors: " + String.join(", ", names));
        }
        return a;
    }

    /** Per-atom tensors by the fixture naming contract (docs/contracts.md): not edges, messages or globals. */
    static boolean perAtom(String name, IrrepsArray a, int n) {
        boolean edgeOrGlobal = name.startsWith("edge/") || name.endsWith("/tp") || name.endsWith("/radial")
                || name.endsWith("/messages") || name.startsWith("output/global");
        return !edgeOrGlobal && a.rows() == n;
    }

    private static Panel panel(String title, int[] numbers, double[] pos, int[][] edges, IrrepsArray f,
            List<Channel> channels) {
        int n = numbers.length;
        int dim = f.dim();
        double[] data = f.data();
        double[] colour = null;
        double[] size = null;
        List<double[]> vecs = new ArrayList<>();
        List<Channel> higher = new ArrayList<>();
        for (Channel ch : channels) {
            if (ch.l() == 0) {
                double[] s = new double[n];
                for (int i = 0; i < n; i++) {
                    s[i] = data[i * dim + ch.column()];
                }
                if (colour == null) {
                    colour = s;
                } else {
                    size = s;
                }
            } else if (ch.l() == 1) {
                double[] v = new double[3 * n];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(data, i * dim + ch.column(), v, 3 * i, 3);
                }
                vecs.add(v);
            } else {
                higher.add(ch);
            }
        }
        Glyph[] glyphs = new Glyph[n];
        int[] ls = higher.stream().mapToInt(Channel::l).toArray();
        for (int i = 0; i < n; i++) {
            double[][] coeffs = new double[higher.size()][];
            for (int k = 0; k < higher.size(); k++) {
                Channel ch = higher.get(k);
                coeffs[k] = new double[ch.dim()];
                System.arraycopy(data, i * dim + ch.column(), coeffs[k], 0, ch.dim());
            }
            glyphs[i] = new Glyph(ls, coeffs);
        }
        return new Panel(title, numbers.clone(), pos.clone(), edges, colour, size, vecs.toArray(new double[0][]),
                glyphs);
    }

    /**
     * Largest deviation of the rotated panel's arrows from the rotation of the original arrows,
     * relative to the largest arrow: the equivariance the picture shows (0 up to rounding).
     */
    public double arrowError() {
        double err = 0;
        double scale = 0;
        for (int k = 0; k < original.vectors().length; k++) {
            double[] a = original.vectors()[k];
            double[] b = rotated.vectors()[k];
            for (int i = 0; i < original.atoms(); i++) {
                for (int r = 0; r < 3; r++) {
                    double s = 0;
                    for (int q = 0; q < 3; q++) {
                        s += rotation[3 * r + q] * a[3 * i + q];
                    }
                    err = Math.max(err, Math.abs(s - b[3 * i + r]));
                    scale = Math.max(scale, Math.abs(a[3 * i + r]));
                }
            }
        }
        return scale == 0 ? err : err / scale;
    }
}
