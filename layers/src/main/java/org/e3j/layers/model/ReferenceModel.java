package org.e3j.layers.model;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.ops.ElementwiseScale;
import org.e3j.engine.ops.Gate;
import org.e3j.engine.ops.Linear;
import org.e3j.engine.ops.Scatter;
import org.e3j.engine.ops.TensorProduct;
import org.e3j.engine.so3.SphericalHarmonics;
import org.e3j.layers.flax.Embed;
import org.e3j.layers.flax.Mlp;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.Params;
import org.e3j.layers.io.SafeTensors;

/**
 * The reference execution of a model file: double precision, op by op, the same steps e3nn-jax
 * takes, written to be read. It is the oracle for the fast float32 engine and the path for finite
 * difference checks; speed is not its concern. Immutable once loaded, so threads may share it.
 *
 * <p>Both architectures of docs/contracts.md: the seed's {@code SimpleNetwork} and the
 * {@code Potential} (Bessel x envelope radial input, sum / avg_num_neighbors aggregation, a
 * per-species scaled readout).
 */
public final class ReferenceModel {

    /** One {@code SimpleNetworkLayer} / {@code PotentialLayer}: TP, radial MLP, aggregate, Linear, gate, skip, Linear. */
    public static final class Layer {
        public final Irreps input;
        public final TensorProduct tp;
        public final Mlp radialMlp;
        public final Linear expand;
        public final Map<String, double[]> expandWeights;
        public final Gate gate;
        public final Linear output;
        public final Map<String, double[]> outputWeights;

        Layer(Irreps input, TensorProduct tp, Mlp radialMlp, Linear expand, Map<String, double[]> expandWeights,
                Gate gate, Linear output, Map<String, double[]> outputWeights) {
            this.input = input;
            this.tp = tp;
            this.radialMlp = radialMlp;
            this.expand = expand;
            this.expandWeights = expandWeights;
            this.gate = gate;
            this.output = output;
            this.outputWeights = outputWeights;
        }
    }

    public final ModelConfig config;
    public final Irreps shIrreps;
    public final Embed embed;
    public final List<Layer> layers;
    /** Potential only. */
    public final Linear readout;
    public final Map<String, double[]> readoutWeights;
    public final double[] energyScale;
    public final double[] energyShift;
    private final SphericalHarmonics sh;
    private final RadialBasis radial;

    private ReferenceModel(ModelConfig config, Params params) {
        this.config = config;
        boolean potential = config.isPotential();
        String top = "params/";
        String layerName = potential ? "PotentialLayer_" : "SimpleNetworkLayer_";
        shIrreps = Irreps.s2Irreps(config.shLmax);
        sh = new SphericalHarmonics(config.shLmax, SphericalHarmonics.Normalization.parse(config.shNormalization), true);
        radial = potential ? new RadialBasis(config.cutoff, config.numBasis, config.envelopeP) : null;
        embed = Embed.load(params, top + "AtomEmbedding_0/Embed_0", config.numEmbeddings, config.initEmbedDims);
        Irreps h = Irreps.parse(config.initEmbedDims + "x0e");
        Layer[] ls = new Layer[config.outputIrrepsPerLayer.size()];
        for (int k = 0; k < ls.length; k++) {
            String p = top + layerName + k;
            if (!params.hasTensorsUnder(p + "/")) {
                // fail before building the layer: its Clebsch-Gordan tables can take seconds, and a
                // config could otherwise describe many layers the file has no weights for
                throw new ModelFormatException(params.file().source() + ": the config describes " + ls.length
                        + " layers but the file holds no tensors for layer " + k + " (\"" + p + "/...\")");
            }
            TensorProduct tp = new TensorProduct(shIrreps, h, null, config.irrepNormalization);
            int n = tp.irrepsOut().numIrreps();
            Mlp mlp = Mlp.load(params, p + "/MLP_0", potential ? config.numBasis : 1, config.mlpHiddenDims, n,
                    config.mlpNumLayers);
            Linear expand = new Linear(tp.irrepsOut(), tp.irrepsOut().concat(Irreps.parse(n + "x0e")),
                    config.pathNormalization, config.gradientNormalization, false, false);
            Gate gate = new Gate(expand.irrepsOut(), config.evenAct, config.oddAct, config.evenGateAct,
                    config.oddGateAct);
            Irreps concat = gate.irrepsOut().concat(h);
            Linear out = new Linear(concat, config.outputIrrepsPerLayer.get(k), config.pathNormalization,
                    config.gradientNormalization, false, false);
            ls[k] = new Layer(h, tp, mlp, expand, weights(params, p + "/Linear_0", expand), gate, out,
                    weights(params, p + "/Linear_1", out));
            checkDerived(params.file().source() + ": layer " + k + ": ", config.layers.get(k), ls[k],
                    config.outputIrrepsPerLayer.get(k), concat);
            h = out.irrepsOut();
        }
        layers = List.of(ls);
        if (potential) {
            readout = new Linear(h, Irreps.parse("1x0e"), config.pathNormalization, config.gradientNormalization,
                    false, false);
            if (!readout.irrepsOut().equals(Irreps.parse("1x0e"))) {
                throw new ModelFormatException("the last layer's irreps " + h + " have no 0e for the energy readout");
            }
            check(params.file().source() + ": readout.linear_input", config.readoutLinearInput, readout.regroupedIn());
            readoutWeights = weights(params, top + "readout", readout);
            energyScale = params.get(top + "species_energy_scale", config.numEmbeddings);
            energyShift = params.get(top + "species_energy_shift", config.numEmbeddings);
        } else {
            readout = null;
            readoutWeights = null;
            energyScale = null;
            energyShift = null;
        }
        params.checkAllUsed();
        checkParamList(config, params.file());
    }

    /** Loads and validates a model file (config against architecture, every tensor by name and shape). */
    public static ReferenceModel load(Path path) {
        SafeTensors file = SafeTensors.open(path);
        return load(file);
    }

    public static ReferenceModel load(SafeTensors file) {
        if (org.e3j.layers.graph.ModelGraph.isGraphFile(file)) {
            // a version-2 model graph has its own loader (layers/graph); only the reference executor runs it
            throw new ModelFormatException(file.source() + ": format_version 2 is a model graph (docs/model-graph.md),"
                    + " loaded by layers.graph.ModelGraph and run by the graph planner (plan) or the reference executor");
        }
        ModelConfig config = ModelConfig.parse(file.metadataJson("e3j_config"), file.source());
        for (String key : file.metadata().keySet()) {
            // docs/model-format.md §1: __metadata__ is exactly {"e3j_config": ...}; anything else is
            // something this loader would ignore, so it is refused like an unknown config key
            if (!key.equals("e3j_config")) {
                throw new ModelFormatException(file.source() + ": unknown __metadata__ key \"" + key
                        + "\" (an e3j model file holds only \"e3j_config\")");
            }
        }
        return new ReferenceModel(config, new Params(file));
    }

    private static Map<String, double[]> weights(Params params, String prefix, Linear linear) {
        Map<String, double[]> w = new LinkedHashMap<>();
        for (Linear.ParamSpec spec : linear.parameterSpecs()) {
            w.put(spec.name(), params.get(prefix + "/" + spec.name(), spec.shape()));
        }
        return w;
    }

    /** Every irreps e3nn-jax wrote for layer k (docs/model-format.md §2.5) against e3j's own derivation. */
    private static void checkDerived(String at, ModelConfig.LayerIrreps w, Layer layer, Irreps requested,
            Irreps concat) {
        Irreps tp = layer.tp.irrepsOut();
        check(at + "input", w.input(), layer.input);
        check(at + "tp", w.tp(), tp);
        checkCount(at + "tp_num_irreps", w.tpNumIrreps(), tp.numIrreps());
        check(at + "expanded_requested", w.expandedRequested(), tp.concat(Irreps.parse(tp.numIrreps() + "x0e")));
        check(at + "expanded_linear_input", w.expandedLinearInput(), layer.expand.regroupedIn());
        check(at + "expanded", w.expanded(), layer.expand.irrepsOut());
        check(at + "gate_scalar", w.gateScalars(), layer.gate.scalars());
        checkCount(at + "gate_num_gates", w.gateNumGates(), layer.gate.vectors().numIrreps());
        check(at + "gated", w.gated(), layer.gate.irrepsOut());
        check(at + "concat", w.concat(), concat);
        check(at + "output_requested", w.outputRequested(), requested);
        check(at + "output_linear_input", w.outputLinearInput(), layer.output.regroupedIn());
        check(at + "output", w.output(), layer.output.irrepsOut());
    }

    private static void check(String what, Irreps exported, Irreps derived) {
        if (!exported.equals(derived)) {
            throw new ModelFormatException(what + " irreps: e3nn-jax wrote " + exported + " but e3j derives "
                    + derived + " (conventions drifted?)");
        }
    }

    private static void checkCount(String what, int exported, int derived) {
        if (exported != derived) {
            throw new ModelFormatException(what + ": e3nn-jax wrote " + exported + " but e3j derives " + derived
                    + " (conventions drifted?)");
        }
    }

    /** {@code param_names} must list exactly the file's tensors, and {@code param_count} count their values. */
    private static void checkParamList(ModelConfig config, SafeTensors file) {
        java.util.Set<String> listed = new java.util.TreeSet<>(config.paramNames);
        java.util.Set<String> stored = new java.util.TreeSet<>(file.names());
        if (listed.size() != config.paramNames.size() || !listed.equals(stored)) {
            java.util.Set<String> missing = new java.util.TreeSet<>(stored);
            missing.removeAll(listed);
            java.util.Set<String> extra = new java.util.TreeSet<>(listed);
            extra.removeAll(stored);
            throw new ModelFormatException(file.source() + ": param_names do not list the file's tensors"
                    + (missing.isEmpty() ? "" : "; not listed: " + missing)
                    + (extra.isEmpty() ? "" : "; listed but absent: " + extra)
                    + (missing.isEmpty() && extra.isEmpty() ? " (a name is listed twice)" : ""));
        }
        long count = 0;
        for (String name : file.names()) {
            long n = 1;
            for (long d : file.info(name).shape()) {
                n *= d;
            }
            count += n;
        }
        if (count != config.paramCount) {
            throw new ModelFormatException(file.source() + ": param_count " + config.paramCount + " but the tensors hold "
                    + count + " values");
        }
    }

    /** Everything one forward pass computed, by the fixture names of docs/contracts.md §3. */
    public static final class Result {
        public final Map<String, IrrepsArray> tensors = new LinkedHashMap<>();

        public IrrepsArray get(String name) {
            IrrepsArray a = tensors.get(name);
            if (a == null) {
                throw new IllegalArgumentException("no intermediate named " + name);
            }
            return a;
        }
    }

    /** Embedding index of every node: the atomic number (seed) or the species index (potential). */
    public int[] embeddingIndices(int[] numbers) {
        int[] ids = new int[numbers.length];
        for (int i = 0; i < numbers.length; i++) {
            ids[i] = config.embeddingIndex(i, numbers[i]);
        }
        return ids;
    }

    public Result forward(ModelInput in) {
        Result r = new Result();
        int n = in.numNodes();
        int e = in.numEdges();
        IrrepsArray h = new IrrepsArray(Irreps.parse(config.initEmbedDims + "x0e"), n,
                embed.apply(embeddingIndices(in.numbers())));
        r.tensors.put("node/embedding", h);

        double[] vec = in.edgeVectors();
        r.tensors.put("edge/vectors", new IrrepsArray(Irreps.parse("1o"), e, vec));
        double[] y = new double[e * sh.dim()];
        double[] norm = new double[e];
        for (int i = 0; i < e; i++) {
            sh.compute(vec[3 * i], vec[3 * i + 1], vec[3 * i + 2], y, i * sh.dim());
            norm[i] = Math.sqrt(vec[3 * i] * vec[3 * i] + vec[3 * i + 1] * vec[3 * i + 1] + vec[3 * i + 2] * vec[3 * i + 2]);
        }
        IrrepsArray shArr = new IrrepsArray(shIrreps, e, y);
        r.tensors.put("edge/sh", shArr);
        r.tensors.put("edge/norm", new IrrepsArray(Irreps.parse("0e"), e, norm));
        double[] mlpInput;
        double[] envelope = null;
        if (radial != null) {
            mlpInput = new double[e * radial.numBasis];
            envelope = new double[e];
            double[] basis = new double[e * radial.numBasis];
            for (int i = 0; i < e; i++) {
                envelope[i] = radial.envelope(norm[i]);
                radial.basis(norm[i], basis, i * radial.numBasis);
                for (int b = 0; b < radial.numBasis; b++) {
                    mlpInput[i * radial.numBasis + b] = basis[i * radial.numBasis + b] * envelope[i];
                }
            }
            Irreps basisIrreps = Irreps.parse(radial.numBasis + "x0e");
            r.tensors.put("edge/radial_basis", new IrrepsArray(basisIrreps, e, basis));
            r.tensors.put("edge/envelope", new IrrepsArray(Irreps.parse("0e"), e, envelope));
            r.tensors.put("edge/mlp_input", new IrrepsArray(basisIrreps, e, mlpInput));
        } else {
            mlpInput = norm;
        }

        for (int k = 0; k < layers.size(); k++) {
            Layer layer = layers.get(k);
            String p = "layer_" + k + "/";
            IrrepsArray skip = h;
            IrrepsArray tp = layer.tp.apply(shArr, h.gatherRows(in.senders()));
            r.tensors.put(p + "tp", tp);
            double[] scalars = layer.radialMlp.apply(mlpInput, e);
            int m = layer.radialMlp.outputs();
            if (envelope != null) {
                for (int i = 0; i < e; i++) {
                    for (int j = 0; j < m; j++) {
                        scalars[i * m + j] *= envelope[i];
                    }
                }
            }
            r.tensors.put(p + "radial", new IrrepsArray(Irreps.parse(m + "x0e"), e, scalars));
            IrrepsArray messages = ElementwiseScale.apply(scalars, tp);
            r.tensors.put(p + "messages", messages);
            IrrepsArray agg;
            if (config.isPotential()) {
                agg = Scatter.sum(messages, in.receivers(), n);
                double[] d = agg.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] /= config.avgNumNeighbors;
                }
            } else {
                agg = Scatter.mean(messages, in.receivers(), n);
            }
            r.tensors.put(p + "aggregated", agg);
            IrrepsArray expanded = layer.expand.apply(layer.expandWeights, agg);
            r.tensors.put(p + "expanded", expanded);
            IrrepsArray gated = layer.gate.apply(expanded);
            r.tensors.put(p + "gated", gated);
            h = layer.output.apply(layer.outputWeights, IrrepsArray.concatenate(gated, skip));
            r.tensors.put(p + "output", h);
        }
        r.tensors.put("output/node_features", h);
        if (config.isPotential()) {
            IrrepsArray ro = readout.apply(readoutWeights, h);
            r.tensors.put("output/readout", ro);
            int[] ids = embeddingIndices(in.numbers());
            double[] atomE = new double[n];
            for (int i = 0; i < n; i++) {
                atomE[i] = energyScale[ids[i]] * ro.data()[i] + energyShift[ids[i]];
            }
            r.tensors.put("output/atom_energies", new IrrepsArray(Irreps.parse("0e"), n, atomE));
            r.tensors.put("output/energy", new IrrepsArray(Irreps.parse("0e"), in.numGraphs(),
                    Scatter.sumNel(atomE, 1, in.nNode())));
        } else {
            r.tensors.put("output/global_features", Scatter.meanNel(h, in.nNode()));
        }
        return r;
    }
}
