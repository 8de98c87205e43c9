package org.e3j.layers.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.ops.Activation;
import org.e3j.engine.ops.Activations;
import org.e3j.engine.ops.Gate;
import org.e3j.engine.ops.Linear;
import org.e3j.engine.ops.TensorProduct;
import org.e3j.layers.io.SafeTensors;

/**
 * A model with freshly initialised parameters, made in Java without a file: for benchmarks and
 * tests of any architecture size. The parameters follow the distributions Flax and e3nn-jax draw
 * from at {@code model.init} (flax 0.12 / e3nn-jax 0.21, checked against their sources):
 *
 * <ul>
 *   <li>{@code nn.Dense} kernel (in, out): {@code lecun_normal()} =
 *       {@code variance_scaling(1, "fan_in", "truncated_normal")} with fan_in = in, i.e. a standard
 *       normal truncated to (-2, 2), times {@code sqrt(1/fan_in) / 0.87962566103423978} (so the
 *       variance is 1/fan_in and no value reaches 2 x that unit's scale); bias zeros;</li>
 *   <li>{@code nn.LayerNorm}: scale ones, bias zeros;</li>
 *   <li>{@code nn.Embed} embedding (num_embeddings, features):
 *       {@code variance_scaling(1, "fan_in", "normal", out_axis=0)}; JAX's fan computation gives
 *       fan_in = features, so N(0, 1/features);</li>
 *   <li>{@code e3nn.flax.Linear} weight {@code w[i,o]} (mul_in, mul_out): e3nn-jax's default
 *       {@code parameter_initializer}, {@code normal(stddev=weight_std)} with the instruction's
 *       {@link Linear.Instruction#weightStd()} (1 with gradient_normalization "path");</li>
 *   <li>Potential: {@code species_energy_scale} ones, {@code species_energy_shift} zeros.</li>
 * </ul>
 *
 * <p>The distributions are Flax's, the numbers are not: JAX's threefry streams are not reproduced.
 * Every tensor is drawn from its own {@link SplittableRandom} seeded from (seed, tensor name), so a
 * tensor's values depend only on the seed and its Flax path (as Flax folds the path into its key);
 * normals are {@link SplittableRandom#nextGaussian()}, the truncated normal by rejection (exact),
 * and the scaling is done in float32 as JAX does. Same seed, same hyper-parameters, same JDK:
 * identical bytes.
 *
 * <p>The model is written as a complete in-memory safetensors file (the layout and
 * {@code e3j_config} of docs/model-format.md, with every derived per-layer irreps) and loaded back
 * through {@link SafeTensors#parse} and {@link ReferenceModel#load(SafeTensors)}, so a random model
 * passes exactly the validation a file does, and {@link #write(Path)} gives a file {@code e3j info}
 * and every other loader read. One difference from exported files: those carry e3nn-jax's own gate
 * normalisation constants (float32 values from its 1 000 001-point grid), while a random model
 * carries the Java-computed {@link Activations#normalizeConstant(Activation)} rounded to float32;
 * the two differ by about 1e-6 relative. {@code cutoff} and {@code avg_num_neighbors} are rounded to
 * the nearest float32 (the format requires float32-exact values).
 *
 * <pre>{@code
 * RandomModel m = RandomModel.potential(1, 6, 8).shLmax(3).initEmbedDims(32)
 *         .mlpHiddenDims(64).outputIrreps("32x0e+32x1o+32x2e", "32x0e+32x1o+32x2e").build(42);
 * ReferenceModel model = m.model();
 * m.write(Path.of("random.safetensors"));
 * }</pre>
 */
public final class RandomModel {

    /** Stddev of a standard normal truncated to (-2, 2), the constant of JAX's variance_scaling. */
    public static final double TRUNCATED_NORMAL_STD = 0.87962566103423978;

    /** How a tensor is initialised. */
    sealed interface Init {}

    /** {@code lecun_normal}: truncated normal on (-2, 2) scaled to variance 1/fanIn. */
    record TruncatedNormal(int fanIn) implements Init {}

    /** {@code normal(stddev)}. */
    record Normal(double std) implements Init {}

    /** {@code ones} / {@code zeros}. */
    record Constant(float value) implements Init {}

    /** One Flax variable: full path (with the collection), shape, initialiser. */
    record TensorSpec(String name, int[] shape, Init init) {
        int size() {
            int n = 1;
            for (int d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    /** Hyper-parameters of a random model; defaults are the seed tutorial's (and Potential's) values. */
    public static final class Builder {
        private final ModelConfig.Architecture architecture;
        private int shLmax = 3;
        private int initEmbedDims = 8;
        private int maxAtomicNumber = 10;
        private int[] species;
        private int mlpHiddenDims = 8;
        private int mlpNumLayers = 2;
        private List<String> outputIrreps = List.of("8x0e+8x1o", "8x0e+8x1o");
        private double cutoff = 5.0;
        private int numBasis = 8;
        private int envelopeP = 6;
        private double avgNumNeighbors = 1.0;

        private Builder(ModelConfig.Architecture architecture) {
            this.architecture = architecture;
        }

        public Builder shLmax(int v) {
            shLmax = v;
            return this;
        }

        public Builder initEmbedDims(int v) {
            initEmbedDims = v;
            return this;
        }

        /** SimpleNetwork: the embedding table covers atomic numbers 0 .. v-1 (= num_embeddings). */
        public Builder maxAtomicNumber(int v) {
            if (architecture != ModelConfig.Architecture.SIMPLE_NETWORK) {
                throw new IllegalStateException("max_atomic_number is a SimpleNetwork setting; a Potential has species");
            }
            maxAtomicNumber = v;
            return this;
        }

        /** Potential: species[i] is the atomic number of embedding row i (num_embeddings = species.length). */
        public Builder species(int... z) {
            if (architecture != ModelConfig.Architecture.POTENTIAL) {
                throw new IllegalStateException("species is a Potential setting; a SimpleNetwork has max_atomic_number");
            }
            species = z.clone();
            return this;
        }

        public Builder mlpHiddenDims(int v) {
            mlpHiddenDims = v;
            return this;
        }

        public Builder mlpNumLayers(int v) {
            mlpNumLayers = v;
            return this;
        }

        /** The requested output irreps of each layer ({@code output_irreps_per_layer}); one entry per layer. */
        public Builder outputIrreps(String... perLayer) {
            outputIrreps = List.of(perLayer);
            return this;
        }

        public Builder outputIrreps(List<String> perLayer) {
            outputIrreps = List.copyOf(perLayer);
            return this;
        }

        /** Potential: cutoff radius in Å (rounded to float32). */
        public Builder cutoff(double v) {
            cutoff = v;
            return this;
        }

        public Builder numBasis(int v) {
            numBasis = v;
            return this;
        }

        public Builder envelopeP(int v) {
            envelopeP = v;
            return this;
        }

        /** Potential: the divisor of the summed messages (rounded to float32). */
        public Builder avgNumNeighbors(double v) {
            avgNumNeighbors = v;
            return this;
        }

        /** Draws the parameters with {@code seed}, writes the file in memory and loads it. */
        public RandomModel build(long seed) {
            return new RandomModel(this, seed);
        }
    }

    /** A SimpleNetwork (the seed tutorial's architecture), with the tutorial's sizes as defaults. */
    public static Builder simpleNetwork() {
        return new Builder(ModelConfig.Architecture.SIMPLE_NETWORK);
    }

    /** A Potential for the given atomic numbers (cutoff 5 Å, 8 Bessel functions, p = 6, avg_num_neighbors 1 by default). */
    public static Builder potential(int... species) {
        return new Builder(ModelConfig.Architecture.POTENTIAL).species(species);
    }

    private final long seed;
    private final String configJson;
    private final byte[] bytes;
    private final SafeTensors file;
    private final ReferenceModel model;
    private final long parameterCount;

    private RandomModel(Builder b, long seed) {
        this.seed = seed;
        check(b);
        boolean potential = b.architecture == ModelConfig.Architecture.POTENTIAL;
        String arch = potential ? "Potential" : "SimpleNetwork";
        int numEmbeddings = potential ? b.species.length : b.maxAtomicNumber;

        List<TensorSpec> specs = new ArrayList<>();
        String top = "params/";
        String layerName = potential ? "PotentialLayer_" : "SimpleNetworkLayer_";
        specs.add(new TensorSpec(top + "AtomEmbedding_0/Embed_0/embedding", new int[] {numEmbeddings, b.initEmbedDims},
                new Normal(Math.sqrt((float) (1.0 / b.initEmbedDims)))));

        Gate.ScalarAct even = f32Act(Activation.GELU);
        Gate.ScalarAct odd = f32Act(Activation.SOFT_ODD);
        Gate.ScalarAct evenGate = f32Act(Activation.SIGMOID);
        Gate.ScalarAct oddGate = f32Act(Activation.TANH);

        Irreps sh = Irreps.s2Irreps(b.shLmax);
        Irreps h = Irreps.parse(b.initEmbedDims + "x0e");
        List<Object> layers = new ArrayList<>();
        List<Object> requestedAll = new ArrayList<>();
        for (int k = 0; k < b.outputIrreps.size(); k++) {
            String p = top + layerName + k;
            Irreps requested = Irreps.parse(b.outputIrreps.get(k));
            TensorProduct tp = new TensorProduct(sh, h, null, TensorProduct.IrrepNormalization.COMPONENT);
            Irreps tpOut = tp.irrepsOut();
            int n = tpOut.numIrreps();
            Irreps expandRequested = tpOut.concat(Irreps.parse(n + "x0e"));
            Linear expand = new Linear(tpOut, expandRequested, 0.0, 1.0, false, false);
            Gate gate = new Gate(expand.irrepsOut(), even, odd, evenGate, oddGate);
            Irreps concat = gate.irrepsOut().concat(h);
            Linear out = new Linear(concat, requested, 0.0, 1.0, false, false);

            int width = potential ? b.numBasis : 1;
            for (int i = 0; i < b.mlpNumLayers - 1; i++) {
                dense(specs, p + "/MLP_0/Dense_" + i, width, b.mlpHiddenDims);
                specs.add(new TensorSpec(p + "/MLP_0/LayerNorm_" + i + "/scale", new int[] {b.mlpHiddenDims},
                        new Constant(1f)));
                specs.add(new TensorSpec(p + "/MLP_0/LayerNorm_" + i + "/bias", new int[] {b.mlpHiddenDims},
                        new Constant(0f)));
                width = b.mlpHiddenDims;
            }
            dense(specs, p + "/MLP_0/Dense_" + (b.mlpNumLayers - 1), width, n);
            linear(specs, p + "/Linear_0", expand);
            linear(specs, p + "/Linear_1", out);

            Map<String, Object> l = new TreeMap<>();
            l.put("name", layerName + k);
            l.put("input_irreps", str(h));
            l.put("tp_irreps", str(tpOut));
            l.put("tp_num_irreps", (long) n);
            l.put("expanded_requested_irreps", str(expandRequested));
            l.put("expanded_linear_input_irreps", str(expand.regroupedIn()));
            l.put("expanded_irreps", str(expand.irrepsOut()));
            l.put("gate_scalar_irreps", str(gate.scalars()));
            l.put("gate_num_gates", (long) gate.vectors().numIrreps());
            l.put("gated_irreps", str(gate.irrepsOut()));
            l.put("concat_irreps", str(concat));
            l.put("output_requested_irreps", str(requested));
            l.put("output_linear_input_irreps", str(out.regroupedIn()));
            l.put("output_irreps", str(out.irrepsOut()));
            layers.add(l);
            requestedAll.add(str(requested));
            h = out.irrepsOut();
        }

        Map<String, Object> c = new TreeMap<>();
        c.put("format", "e3j-model");
        c.put("format_version", 1L);
        c.put("architecture", arch);
        c.put("dtype", "float32");
        c.put("sh_lmax", (long) b.shLmax);
        c.put("sh_irreps", str(sh));
        c.put("sh_normalization", "norm");
        c.put("sh_normalize", true);
        c.put("init_embed_dims", (long) b.initEmbedDims);
        c.put("mlp_hidden_dims", (long) b.mlpHiddenDims);
        c.put("mlp_num_layers", (long) b.mlpNumLayers);
        c.put("mlp_layer_norm", obj("epsilon", 1e-6, "use_fast_variance", true, "use_bias", true, "use_scale", true));
        c.put("output_irreps_per_layer", requestedAll);
        c.put("num_layers", (long) requestedAll.size());
        c.put("activations", activations(even, odd, evenGate, oddGate));
        c.put("e3nn_config", obj("irrep_normalization", "component", "path_normalization", "element",
                "gradient_normalization", "path", "spherical_harmonics_algorithm", "automatic",
                "spherical_harmonics_normalization", "component", "custom_einsum_jvp", false, "fused", false,
                "sparse_tp", false));
        c.put("linear", obj("path_normalization", 0.0, "gradient_normalization", 1.0, "biases", false));
        c.put("units", obj("length", "Angstrom", "energy", "eV"));
        c.put("provenance", obj("generator", "e3j RandomModel", "seed", Long.toString(seed),
                "init", "Flax / e3nn-jax default initialiser distributions",
                "rng", "java.util.SplittableRandom per tensor (not JAX threefry)",
                "normalization_constants", "Java Activations.normalizeConstant rounded to float32",
                "java", Runtime.version().feature() + ""));
        c.put("layers", layers);
        if (!potential) {
            c.put("node_input", "atomic_number");
            c.put("max_atomic_number", (long) b.maxAtomicNumber);
            c.put("num_embeddings", (long) numEmbeddings);
            c.put("species", null);
            c.put("species_to_index", null);
            c.put("relative_vectors", "pos[receivers] - pos[senders]");
            c.put("radial", obj("type", "norm"));
            c.put("aggregation", obj("type", "mean", "divisor", "max(1, in-degree)"));
            c.put("cutoff", null);
            c.put("num_basis", null);
            c.put("envelope_p", null);
            c.put("avg_num_neighbors", null);
            c.put("readout", obj("type", "node_features_and_graph_mean", "node_features", "output of the last layer",
                    "global_features", "scatter_mean(node_features, nel=n_node), divisor max(1, n_node)"));
        } else {
            Linear readout = new Linear(h, Irreps.parse("1x0e"), 0.0, 1.0, false, false);
            if (!readout.irrepsOut().equals(Irreps.parse("1x0e"))) {
                throw new IllegalArgumentException("the last layer's output irreps " + h
                        + " have no 0e for the energy readout");
            }
            linear(specs, top + "readout", readout);
            specs.add(new TensorSpec(top + "species_energy_scale", new int[] {numEmbeddings}, new Constant(1f)));
            specs.add(new TensorSpec(top + "species_energy_shift", new int[] {numEmbeddings}, new Constant(0f)));
            List<Object> sp = new ArrayList<>();
            Map<String, Object> toIndex = new TreeMap<>();
            for (int i = 0; i < b.species.length; i++) {
                sp.add((long) b.species[i]);
                toIndex.put(Integer.toString(b.species[i]), (long) i);
            }
            c.put("node_input", "species_index");
            c.put("max_atomic_number", null);
            c.put("num_embeddings", (long) numEmbeddings);
            c.put("species", sp);
            c.put("species_to_index", toIndex);
            c.put("relative_vectors", "pos[receivers] - pos[senders] + shifts");
            c.put("radial", obj("type", "bessel_times_envelope",
                    "basis", "sqrt(2/cutoff) * sin(n*pi*d/cutoff) / d, n = 1..num_basis",
                    "envelope", "1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2), x = d/cutoff < 1, else 0",
                    "mlp_input", "basis * envelope", "mlp_output_times_envelope", true));
            c.put("aggregation", obj("type", "sum_over_constant", "divisor", "avg_num_neighbors"));
            c.put("cutoff", (double) (float) b.cutoff);
            c.put("num_basis", (long) b.numBasis);
            c.put("envelope_p", (long) b.envelopeP);
            c.put("avg_num_neighbors", (double) (float) b.avgNumNeighbors);
            c.put("readout", obj("type", "per_species_scaled_energy", "module", "readout",
                    "linear_input_irreps", str(readout.regroupedIn()), "irreps_out", "1x0e",
                    "atom_energy", "species_energy_scale[s] * readout + species_energy_shift[s]",
                    "scale_param", "params/species_energy_scale", "shift_param", "params/species_energy_shift",
                    "energy", "sum of atom energies per graph", "forces", "-dE/dpositions",
                    "stress", "(1/V) dE/dstrain, symmetric strain, ASE sign",
                    "stress_voigt_order", List.of("xx", "yy", "zz", "yz", "xz", "xy"),
                    "stress_units", "eV/Angstrom^3"));
        }

        long count = 0;
        for (TensorSpec s : specs) {
            count += s.size();
        }
        List<String> names = new ArrayList<>();
        for (TensorSpec s : specs) {
            names.add(s.name());
        }
        names.sort(PYTREE_ORDER);
        c.put("param_names", new ArrayList<Object>(names));
        c.put("param_count", count);
        this.parameterCount = count;
        this.configJson = json(c);
        this.bytes = serialize(configJson, specs, seed);
        String source = "random " + arch + " (seed " + seed + ")";
        this.file = SafeTensors.parse(source, ByteBuffer.wrap(bytes).asReadOnlyBuffer());
        this.model = ReferenceModel.load(file);
    }

    private static void check(Builder b) {
        positive("init_embed_dims", b.initEmbedDims);
        positive("mlp_hidden_dims", b.mlpHiddenDims);
        positive("mlp_num_layers", b.mlpNumLayers);
        if (b.shLmax < 0 || b.shLmax > ModelConfig.MAX_SH_LMAX) {
            throw new IllegalArgumentException("sh_lmax must be 0.." + ModelConfig.MAX_SH_LMAX + ", got " + b.shLmax);
        }
        if (b.outputIrreps.isEmpty()) {
            throw new IllegalArgumentException("output_irreps_per_layer is empty (no layers)");
        }
        if (b.architecture == ModelConfig.Architecture.POTENTIAL) {
            if (b.species == null || b.species.length == 0) {
                throw new IllegalArgumentException("a Potential needs at least one species");
            }
            positive("num_basis", b.numBasis);
            positive("envelope_p", b.envelopeP);
            if (!(b.cutoff > 0) || Double.isInfinite(b.cutoff)) {
                throw new IllegalArgumentException("cutoff must be a positive finite number, got " + b.cutoff);
            }
            if (!(b.avgNumNeighbors > 0) || Double.isInfinite(b.avgNumNeighbors)) {
                throw new IllegalArgumentException("avg_num_neighbors must be a positive finite number, got "
                        + b.avgNumNeighbors);
            }
        } else {
            positive("max_atomic_number", b.maxAtomicNumber);
        }
    }

    private static void positive(String what, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }

    private static Gate.ScalarAct f32Act(Activation fn) {
        return new Gate.ScalarAct(fn, (float) Activations.normalizeConstant(fn));
    }

    private static void dense(List<TensorSpec> specs, String path, int in, int out) {
        specs.add(new TensorSpec(path + "/kernel", new int[] {in, out}, new TruncatedNormal(in)));
        specs.add(new TensorSpec(path + "/bias", new int[] {out}, new Constant(0f)));
    }

    private static void linear(List<TensorSpec> specs, String path, Linear linear) {
        for (Linear.Instruction ins : linear.instructions()) {
            specs.add(new TensorSpec(path + "/" + ins.name(), ins.shape(),
                    ins.isBias() ? new Constant(0f) : new Normal(ins.weightStd())));
        }
    }

    private static Map<String, Object> activations(Gate.ScalarAct even, Gate.ScalarAct odd, Gate.ScalarAct evenGate,
            Gate.ScalarAct oddGate) {
        Map<String, Object> constants = new TreeMap<>();
        Map<String, Object> bits = new TreeMap<>();
        for (Object[] a : new Object[][] {{"gelu_tanh", even}, {"soft_odd", odd}, {"sigmoid", evenGate},
                {"tanh", oddGate}}) {
            float cst = (float) ((Gate.ScalarAct) a[1]).constant();
            constants.put((String) a[0], (double) cst);
            bits.put((String) a[0], String.format("0x%08x", Float.floatToRawIntBits(cst)));
        }
        return obj("gate", obj("even_act", "gelu_tanh", "odd_act", "soft_odd", "even_gate_act", "sigmoid",
                        "odd_gate_act", "tanh", "normalize_act", true),
                "mlp", "silu", "mlp_normalized", false,
                "formulas", obj("gelu_tanh", "x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))",
                        "soft_odd", "(1 - exp(-x^2)) * x", "sigmoid", "1 / (1 + exp(-x))", "tanh", "tanh(x)",
                        "silu", "x * sigmoid(x)"),
                "normalization_constants", constants,
                "normalization_constants_f32_bits", bits,
                "normalization_applied_as", "act(x) / c, c a float32 constant");
    }

    // ---- accessors ------------------------------------------------------------------------------

    /** The loaded, validated model. */
    public ReferenceModel model() {
        return model;
    }

    /** The in-memory model file (read-only view). */
    public SafeTensors safeTensors() {
        return file;
    }

    /** The {@code e3j_config} JSON text (sorted keys, compact, ASCII). */
    public String configJson() {
        return configJson;
    }

    /** The complete safetensors file, a fresh copy. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    public long seed() {
        return seed;
    }

    /** Total number of float32 values in all tensors ({@code param_count}). */
    public long parameterCount() {
        return parameterCount;
    }

    /**
     * Writes the model file to {@code path}: a temporary file in the same folder, forced to disk,
     * then renamed over the target, so a failure never leaves a partial file.
     */
    public void write(Path path) {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            // CREATE_NEW with the default permissions (umask), unlike createTempFile's owner-only ones
            tmp = dir.resolve("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
                    + Long.toHexString(System.nanoTime()) + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    // ---- sampling -------------------------------------------------------------------------------

    /** The values of one tensor: its own stream, seeded from (seed, name). */
    static float[] sample(TensorSpec spec, long seed) {
        float[] v = new float[spec.size()];
        switch (spec.init()) {
            case Constant c -> Arrays.fill(v, c.value());
            case Normal nrm -> {
                SplittableRandom r = stream(seed, spec.name());
                float std = (float) nrm.std();
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextGaussian() * std;
                }
            }
            case TruncatedNormal t -> {
                SplittableRandom r = stream(seed, spec.name());
                // JAX, in float32: stddev = sqrt(variance) / 0.87962566103423978, variance = 1 / fan_in
                float std = (float) Math.sqrt((float) (1.0 / t.fanIn())) / (float) TRUNCATED_NORMAL_STD;
                for (int i = 0; i < v.length; i++) {
                    float z;
                    do {
                        z = (float) r.nextGaussian();
                    } while (!(z > -2f && z < 2f));
                    v[i] = z * std;
                }
            }
        }
        return v;
    }

    private static SplittableRandom stream(long seed, String name) {
        long h = 0xcbf29ce484222325L; // FNV-1a 64 of the UTF-8 name
        for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return new SplittableRandom(mix64(mix64(seed) + 0x9e3779b97f4a7c15L * mix64(h)));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    // ---- safetensors writer ---------------------------------------------------------------------

    /** 8-byte LE header length, the JSON header (space-padded to 8 bytes), the F32 data in name order. */
    private static byte[] serialize(String config, List<TensorSpec> specs, long seed) {
        List<TensorSpec> sorted = new ArrayList<>(specs);
        sorted.sort(Comparator.comparing(TensorSpec::name));
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"e3j_config\":");
        quote(h, config);
        h.append('}');
        long offset = 0;
        for (TensorSpec s : sorted) {
            h.append(',');
            quote(h, s.name());
            h.append(":{\"dtype\":\"F32\",\"shape\":[");
            for (int i = 0; i < s.shape().length; i++) {
                h.append(i == 0 ? "" : ",").append(s.shape()[i]);
            }
            long end = offset + 4L * s.size();
            h.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        h.append('}');
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - hb.length % 8) % 8;
        long total = 8L + hb.length + pad + offset;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a model of " + offset / 4 + " parameters does not fit in a 2 GiB file");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(hb.length + pad);
        out.put(hb);
        for (int i = 0; i < pad; i++) {
            out.put((byte) ' ');
        }
        for (TensorSpec s : sorted) {
            for (float x : sample(s, seed)) {
                out.putFloat(x);
            }
        }
        return out.array();
    }

    // ---- JSON, as Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True) -----

    /** JAX pytree-flattening order of paths: keys sorted at every level. */
    static final Comparator<String> PYTREE_ORDER = (a, b) -> {
        String[] x = a.split("/", -1);
        String[] y = b.split("/", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    };

    private static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String str(Irreps irreps) {
        return irreps.isEmpty() ? "" : irreps.toString();
    }

    static String json(Object value) {
        StringBuilder sb = new StringBuilder();
        json(sb, value);
        return sb.toString();
    }

    private static void json(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Boolean bool -> sb.append(bool ? "true" : "false");
            case Long l -> sb.append(l);
            case Integer i -> sb.append(i);
            case Double d -> sb.append(pyFloat(d));
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
                    sb.append(first ? "" : ",");
                    first = false;
                    quote(sb, (String) e.getKey());
                    sb.append(':');
                    json(sb, e.getValue());
                }
                sb.append('}');
            }
            case List<?> list -> {
                sb.append('[');
                for (int i = 0; i < list.size(); i++) {
                    sb.append(i == 0 ? "" : ",");
                    json(sb, list.get(i));
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
    static String pyFloat(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("JSON has no " + v);
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exp = digits.length() - 1 - d.scale(); // decimal exponent of the first digit
        StringBuilder sb = new StringBuilder(v < 0 ? "-" : "");
        if (exp < -4 || exp >= 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            sb.append(a < 10 ? "0" : "").append(a);
        } else if (exp < 0) {
            sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
        } else if (digits.length() <= exp + 1) {
            sb.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
        }
        return sb.toString();
    }
}
