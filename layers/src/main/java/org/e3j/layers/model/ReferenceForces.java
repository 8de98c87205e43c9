package org.e3j.layers.model;

import java.util.List;
import org.e3j.engine.E3jException;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.ops.ElementwiseScale;
import org.e3j.engine.ops.Scatter;
import org.e3j.engine.so3.SphericalHarmonics;

/**
 * Analytic reverse pass of the double-precision {@link ReferenceModel}: energy, forces, virial and
 * stress of a {@code Potential}, as e3nn-jax's {@code energy_forces_stress} computes them with
 * {@code jax.grad} (python/e3j_jax/potential.py). It replays {@link ReferenceModel#forward} and then
 * walks the same ops backwards with their {@code vjp}s, op by op (readout, then per layer: output
 * Linear, skip split, gate, expand Linear, aggregation, per-copy scaling, radial MLP and envelope,
 * tensor product, sender gather), down to {@code dE/dr_e} for every edge vector
 * {@code r_e = pos[receiver] - pos[sender] + shift}, through the spherical harmonics' Jacobian and
 * {@code d|r|/dr = r/|r|}.
 *
 * <p>Conventions:
 * <ul>
 *   <li>{@code forces = -dE/dpos}, row-major [N][3], eV/Å. The edge list is held fixed (as in JAX);
 *       the envelope makes E smooth at the cutoff so this is the derivative MD needs.
 *   <li>{@code virial_g = -sym(sum_{e in g} r_e (outer) dE/dr_e) = -dE/d(eps_g)}, 3x3 row-major, eV,
 *       for the symmetric strain {@code pos @ (I + eps)}, {@code shift @ (I + eps)} (equivalently the
 *       cell); defined for every graph, periodic or not. An edge belongs to its receiver's graph.
 *   <li>{@code stress_g = -virial_g / V_g = (1/V_g) dE/d(eps_g)}, Voigt {@code xx, yy, zz, yz, xz, xy},
 *       eV/Å^3: ASE's {@code atoms.get_stress()} sign (positive = tensile). V_g = |det(cell_g)| with
 *       cell rows the lattice vectors. Graphs that are not periodic in all three directions, or
 *       that have no cell, get zeros and {@code stressValid[g] = false} (as e3j_jax does).
 * </ul>
 *
 * <p>Speed is not the concern (this is the oracle for the float32 engine); the gradient costs about
 * two forward passes. Thread-safe: no state beyond the immutable model.
 */
public final class ReferenceForces {

    private ReferenceForces() {}

    /**
     * Everything the reverse pass produced. Arrays are row-major.
     *
     * @param energy per graph [G], eV
     * @param atomEnergies [N], eV
     * @param forces [N][3], eV/Å
     * @param virial [G][3][3], eV ({@code -dE/d eps}, symmetric)
     * @param stress [G][6] Voigt, eV/Å^3 (zeros where {@code !stressValid[g]})
     * @param stressValid [G]
     * @param edgeGradients {@code dE/dr_e} [E][3], eV/Å
     */
    public record Result(double[] energy, double[] atomEnergies, double[] forces, double[] virial, double[] stress,
            boolean[] stressValid, double[] edgeGradients) {}

    /** Voigt order of ASE: xx, yy, zz, yz, xz, xy. */
    static final int[][] VOIGT = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};

    /** Energy, atom energies, forces and virial, without a cell (every {@code stressValid} is false). */
    public static Result compute(ReferenceModel model, ModelInput in) {
        return compute(model, in, null, null);
    }

    /**
     * Energy, atom energies, forces, virial and stress.
     *
     * @param cells [G][3][3] row-major (rows are lattice vectors, Å), or null for no stress
     * @param pbc [G][3], or null meaning periodic in every direction wherever a cell is given
     */
    public static Result compute(ReferenceModel model, ModelInput in, double[] cells, boolean[] pbc) {
        if (!model.config.isPotential()) {
            throw new E3jException("forces need a Potential model; this is a " + model.config.architecture);
        }
        int n = in.numNodes();
        int g = in.numGraphs();
        if (cells != null && cells.length != 9 * g) {
            throw new E3jException("cells have " + cells.length + " values for " + g + " graphs (need 9 per graph)");
        }
        if (pbc != null && pbc.length != 3 * g) {
            throw new E3jException("pbc has " + pbc.length + " values for " + g + " graphs (need 3 per graph)");
        }
        ReferenceModel.Result fwd = model.forward(in);
        // dE/dE_i = 1, so d/d readout_i = scale[species_i]
        int[] ids = model.embeddingIndices(in.numbers());
        double[] gReadout = new double[n];
        for (int i = 0; i < n; i++) {
            gReadout[i] = model.energyScale[ids[i]];
        }
        double[] gNodes = model.readout.vjp(model.readoutWeights, gReadout, n);
        double[] gEdge = edgeVectorGradient(model, in, fwd, gNodes);

        double[] gPos = positionGradient(in, gEdge);
        double[] forces = new double[3 * n];
        for (int i = 0; i < forces.length; i++) {
            forces[i] = -gPos[i];
        }
        double[] virial = virial(in, gEdge);
        double[] stress = new double[6 * g];
        boolean[] valid = new boolean[g];
        for (int k = 0; k < g; k++) {
            if (cells == null) {
                continue;
            }
            boolean periodic = pbc == null || (pbc[3 * k] && pbc[3 * k + 1] && pbc[3 * k + 2]);
            double volume = Math.abs(det3(cells, 9 * k));
            if (!periodic || !(volume > 0)) {
                continue;
            }
            valid[k] = true;
            for (int v = 0; v < 6; v++) {
                stress[6 * k + v] = -virial[9 * k + 3 * VOIGT[v][0] + VOIGT[v][1]] / volume;
            }
        }
        return new Result(fwd.get("output/energy").data(), fwd.get("output/atom_energies").data(), forces, virial,
                stress, valid, gEdge);
    }

    /**
     * The reverse pass from the final node features to the edge vectors, for either architecture
     * (SimpleNetwork: |r| into the MLP, scatter_mean; Potential: Bessel x envelope, scatter_sum /
     * avg_num_neighbors, envelope on the MLP output): given {@code gradNodeFeatures} = dL/d
     * {@code output/node_features} ([N][dim]) returns dL/dr_e [E][3]. The embedding has no
     * positional input, so nothing flows past it.
     *
     * @param fwd the forward pass of {@code model} on {@code in} (its intermediates are reused)
     */
    public static double[] edgeVectorGradient(ReferenceModel model, ModelInput in, ReferenceModel.Result fwd,
            double[] gradNodeFeatures) {
        ModelConfig config = model.config;
        boolean potential = config.isPotential();
        int n = in.numNodes();
        int e = in.numEdges();
        int[] senders = in.senders();
        int[] receivers = in.receivers();
        IrrepsArray shArr = fwd.get("edge/sh");
        int shDim = shArr.dim();
        double[] norm = fwd.get("edge/norm").data();
        double[] envelope = potential ? fwd.get("edge/envelope").data() : null;
        double[] mlpInput = potential ? fwd.get("edge/mlp_input").data() : norm;
        int mlpWidth = potential ? config.numBasis : 1;

        double[] gSh = new double[e * shDim];
        double[] gMlpIn = new double[e * mlpWidth];
        double[] gEnv = new double[e];
        double[] gH = gradNodeFeatures.clone();
        List<ReferenceModel.Layer> layers = model.layers;
        if (gH.length != n * fwd.get("output/node_features").dim()) {
            throw new E3jException("gradient of length " + gH.length + " does not match the node features "
                    + fwd.get("output/node_features").shape());
        }
        for (int k = layers.size() - 1; k >= 0; k--) {
            ReferenceModel.Layer layer = layers.get(k);
            String p = "layer_" + k + "/";
            IrrepsArray hIn = k == 0 ? fwd.get("node/embedding") : fwd.get("layer_" + (k - 1) + "/output");
            int dIn = hIn.dim();
            // h_out = Linear_1(concat(gated, skip))
            double[] gConcat = layer.output.vjp(layer.outputWeights, gH, n);
            int dGated = layer.gate.irrepsOut().dim();
            int dConcat = dGated + dIn;
            double[] gGated = new double[n * dGated];
            double[] gHin = new double[n * dIn];
            for (int i = 0; i < n; i++) {
                System.arraycopy(gConcat, i * dConcat, gGated, i * dGated, dGated);
                System.arraycopy(gConcat, i * dConcat + dGated, gHin, i * dIn, dIn);
            }
            double[] gExpanded = layer.gate.vjp(fwd.get(p + "expanded"), gGated);
            double[] gAgg = layer.expand.vjp(layer.expandWeights, gExpanded, n);
            IrrepsArray tp = fwd.get(p + "tp");
            int dTp = tp.dim();
            double[] gMsg;
            if (potential) {
                for (int i = 0; i < gAgg.length; i++) {
                    gAgg[i] /= config.avgNumNeighbors;
                }
                gMsg = Scatter.sumVjp(gAgg, dTp, receivers, n);
            } else {
                gMsg = Scatter.meanVjp(gAgg, dTp, receivers, n);
            }
            double[] scalars = fwd.get(p + "radial").data();
            double[][] gs = ElementwiseScale.vjp(scalars, tp, gMsg);
            double[] gScalars = gs[0];
            int m = layer.radialMlp.outputs();
            double[] gMlpOut;
            if (potential) {
                double[] mlpOut = layer.radialMlp.apply(mlpInput, e);
                gMlpOut = new double[e * m];
                for (int i = 0; i < e; i++) {
                    double s = 0;
                    for (int j = 0; j < m; j++) {
                        gMlpOut[i * m + j] = gScalars[i * m + j] * envelope[i];
                        s += gScalars[i * m + j] * mlpOut[i * m + j];
                    }
                    gEnv[i] += s;
                }
            } else {
                gMlpOut = gScalars;
            }
            double[] gIn = layer.radialMlp.backward(mlpInput, gMlpOut, e);
            for (int i = 0; i < gIn.length; i++) {
                gMlpIn[i] += gIn[i];
            }
            double[][] gTp = layer.tp.vjp(shArr, hIn.gatherRows(senders), gs[1]);
            for (int i = 0; i < gSh.length; i++) {
                gSh[i] += gTp[0][i];
            }
            double[] gSenders = gTp[1];
            for (int i = 0; i < e; i++) {
                int s = senders[i];
                for (int c = 0; c < dIn; c++) {
                    gHin[s * dIn + c] += gSenders[i * dIn + c];
                }
            }
            gH = gHin;
        }

        // edge features -> r_e
        SphericalHarmonics sh = new SphericalHarmonics(config.shLmax,
                SphericalHarmonics.Normalization.parse(config.shNormalization), true);
        RadialBasis radial = potential ? new RadialBasis(config.cutoff, config.numBasis, config.envelopeP) : null;
        double[] vec = fwd.get("edge/vectors").data();
        double[] basis = potential ? fwd.get("edge/radial_basis").data() : null;
        double[] dBasis = potential ? new double[config.numBasis] : null;
        double[] y = new double[shDim];
        double[] jac = new double[3 * shDim];
        double[] gVec = new double[3 * e];
        for (int i = 0; i < e; i++) {
            double x0 = vec[3 * i];
            double x1 = vec[3 * i + 1];
            double x2 = vec[3 * i + 2];
            double d = norm[i];
            double gD;
            if (potential) {
                gD = gEnv[i] * radial.envelopeDerivative(d);
                if (d > 0) {
                    radial.basisDerivative(d, dBasis, 0);
                    int nb = config.numBasis;
                    double env = envelope[i];
                    double envDeriv = radial.envelopeDerivative(d);
                    for (int b = 0; b < nb; b++) {
                        double gm = gMlpIn[i * nb + b];
                        // mlp_input = B(d) * u(d)
                        gD += gm * (dBasis[b] * env + basis[i * nb + b] * envDeriv);
                    }
                }
            } else {
                gD = gMlpIn[i];
            }
            if (d > 0) {
                gVec[3 * i] += gD * x0 / d;
                gVec[3 * i + 1] += gD * x1 / d;
                gVec[3 * i + 2] += gD * x2 / d;
            }
            sh.computeWithJacobian(x0, x1, x2, y, 0, jac, 0);
            for (int c = 0; c < shDim; c++) {
                double gy = gSh[i * shDim + c];
                if (gy != 0.0) {
                    gVec[3 * i] += gy * jac[3 * c];
                    gVec[3 * i + 1] += gy * jac[3 * c + 1];
                    gVec[3 * i + 2] += gy * jac[3 * c + 2];
                }
            }
        }
        return gVec;
    }

    /** {@code dL/dpos} [N][3] from {@code dL/dr_e} [E][3]: + at the receiver, - at the sender. */
    public static double[] positionGradient(ModelInput in, double[] edgeGradients) {
        int[] senders = in.senders();
        int[] receivers = in.receivers();
        double[] g = new double[3 * in.numNodes()];
        for (int e = 0; e < senders.length; e++) {
            for (int c = 0; c < 3; c++) {
                g[3 * receivers[e] + c] += edgeGradients[3 * e + c];
                g[3 * senders[e] + c] -= edgeGradients[3 * e + c];
            }
        }
        return g;
    }

    /** {@code -sym(sum_e r_e (outer) dE/dr_e)} per graph (the receiver's graph), [G][3][3]. */
    public static double[] virial(ModelInput in, double[] edgeGradients) {
        int g = in.numGraphs();
        int[] graphOf = new int[in.numNodes()];
        int node = 0;
        for (int k = 0; k < g; k++) {
            for (int t = 0; t < in.nNode()[k]; t++) {
                graphOf[node++] = k;
            }
        }
        double[] vec = in.edgeVectors();
        double[] w = new double[9 * g];
        for (int e = 0; e < in.numEdges(); e++) {
            int k = graphOf[in.receivers()[e]];
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    double v = 0.5 * (vec[3 * e + a] * edgeGradients[3 * e + b] + vec[3 * e + b] * edgeGradients[3 * e + a]);
                    w[9 * k + 3 * a + b] -= v;
                }
            }
        }
        return w;
    }

    static double det3(double[] m, int o) {
        return m[o] * (m[o + 4] * m[o + 8] - m[o + 5] * m[o + 7]) - m[o + 1] * (m[o + 3] * m[o + 8] - m[o + 5] * m[o + 6])
                + m[o + 2] * (m[o + 3] * m[o + 7] - m[o + 4] * m[o + 6]);
    }
}
