package org.e3j.layers.fast;

import java.util.Arrays;
import org.e3j.engine.kernels.Kernels;
import org.e3j.engine.so3.SphericalHarmonics;
import org.e3j.layers.fast.FastModel.Triple;
import org.e3j.layers.model.RadialBasis;

/**
 * The per-edge geometry of the fast engine, forward and reverse, a chunk of edges at a time.
 *
 * <p>Per edge the forward needs the spherical harmonics Y of the edge direction, the envelope, and
 * the Clebsch-Gordan contractions {@code M_p = env * sum_q c_q Y_(y_q)} of every live path (the
 * {@code mStride} floats the message kernels read); the reverse needs dE/dr from dE/dM, the
 * envelope and the radial inputs. All of it is sparse algebra with fixed indices. Done edge by edge it
 * is short loops of indirect loads (2.7 ms of an 11.4 ms forward on case C, 250 ns per edge); here the
 * edges of a chunk sit side by side as lanes of double rows (structure of arrays), and the algebra runs
 * as fixed term programs ({@link Kernels#terms}): each index is read once per chunk and each term is a
 * few vector multiply-adds across the chunk's edges.
 *
 * <p>Numerics: double precision, the same operations as the edge-by-edge code (the spherical
 * harmonics recursion term for term, CG sums in entry order), so the forward writes the same bits as
 * {@link SphericalHarmonics#compute} followed by the per-path sums. The reverse sums dE/dY over the
 * harmonics before the chain through the normalisation (one 3-vector per edge instead of the full
 * Jacobian): equal in exact arithmetic, a few ulps apart in double.
 *
 * <p>Rows of a chunk's scratch (each {@code lanes} doubles):
 * <pre>
 * ENV                      envelope
 * P[0 .. shDim)            the harmonics ("norm": the polynomials themselves); P[0] = 1 is also the
 *                          ONE row, P[1..3] the unit vector
 * M[0 .. mStride)          forward: CG sums without the envelope; reverse: dE/dM
 * GY0[0 .. shDim)          reverse: sum_p dM_p c_q  (dE/dY without the envelope)
 * GENV                     reverse: dE/d(envelope) from the messages
 * GP[0 .. shDim)           reverse: dE/dP = env * GY0
 * GU[0 .. 3)               reverse: dE/d(unit vector)
 * </pre>
 * An instance holds only the programs (immutable, shared by threads); scratch is per worker.
 */
final class EdgeGeometry {

    /** Edges per chunk: rows of 32 doubles keep the whole scratch of the bench model in ~40 KB. */
    static final int CHUNK = 32;

    private final Kernels kern;
    private final RadialBasis radial;
    private final int shDim;
    private final int ms;
    private final int kIn;

    private final int env = 0;
    private final int p0 = 1;
    private final int one = p0;
    private final int m0;
    private final int gy0;
    private final int gEnv;
    private final int gp;
    private final int gu;
    private final int rows;

    /** The P recursion, l >= 2. */
    private final Program harmonics;
    /** M_p += (c_q * 1) * P_(y_q). */
    private final Program contraction;
    /** GY0 += (c_q * dM_p) * 1; GENV += GY0 * P; GP = GY0 * ENV; GU += (jc * GP) * P. */
    private final Program reverse;

    /** A term program: row(dst) += (coef * row(a)) * row(b), term by term. */
    private record Program(int[] dst, int[] a, int[] b, double[] coef) {
        int size() {
            return dst.length;
        }
    }

    /** Collects terms of a {@link Program}. */
    private static final class Builder {
        private int[] dst = new int[64];
        private int[] a = new int[64];
        private int[] b = new int[64];
        private double[] c = new double[64];
        private int n;

        void add(int d, double coef, int x, int y) {
            if (n == dst.length) {
                dst = Arrays.copyOf(dst, 2 * n);
                a = Arrays.copyOf(a, 2 * n);
                b = Arrays.copyOf(b, 2 * n);
                c = Arrays.copyOf(c, 2 * n);
            }
            dst[n] = d;
            a[n] = x;
            b[n] = y;
            c[n] = coef;
            n++;
        }

        Program build() {
            return new Program(Arrays.copyOf(dst, n), Arrays.copyOf(a, n), Arrays.copyOf(b, n), Arrays.copyOf(c, n));
        }
    }

    EdgeGeometry(Kernels kern, SphericalHarmonics sh, RadialBasis radial, Triple[] triples, int mStride, int mlpIn) {
        if (!sh.normalize()) {
            throw new IllegalArgumentException("the fast engine's harmonics take the unit vector (normalize=true)");
        }
        this.kern = kern;
        this.radial = radial;
        this.shDim = sh.dim();
        this.ms = mStride;
        this.kIn = mlpIn;
        int lmax = sh.lmax();
        for (int l = 0; l <= lmax; l++) {
            if (sh.scale(l) != 1.0) {
                // the e3j model format admits only "norm" (ConfigSchema); other normalisations would need
                // scaled rows Y = scale * P here and scale * GY0 below
                throw new IllegalArgumentException("the fast engine runs \"norm\" spherical harmonics, not " + sh.normalization());
            }
        }
        m0 = p0 + shDim;
        gy0 = m0 + ms;
        gEnv = gy0 + shDim;
        gp = gEnv + 1;
        gu = gp + shDim;
        rows = gu + 3;

        Builder h = new Builder();
        for (int l = 2; l <= lmax; l++) {
            SphericalHarmonics.Sparse r = sh.recursion(l);
            int cur = p0 + l * l;
            int prev = p0 + (l - 1) * (l - 1);
            for (int t = 0; t < r.c().length; t++) {
                h.add(cur + r.k()[t], r.c()[t], p0 + 1 + r.i()[t], prev + r.j()[t]);
            }
        }
        harmonics = h.build();

        Builder m = new Builder();
        Builder g = new Builder();
        for (Triple t : triples) {
            for (int p = 0; p < t.jIdx.length; p++) {
                for (int q = t.cPtr[p]; q < t.cPtr[p + 1]; q++) {
                    m.add(m0 + t.mOff + p, t.cVal[q], one, p0 + t.cY[q]);
                    g.add(gy0 + t.cY[q], t.cVal[q], m0 + t.mOff + p, one);
                }
            }
        }
        contraction = m.build();
        for (int c = 0; c < shDim; c++) {
            g.add(gEnv, 1.0, gy0 + c, p0 + c);
        }
        for (int c = 0; c < shDim; c++) {
            g.add(gp + c, 1.0, gy0 + c, env);
        }
        for (int l = 1; l <= lmax; l++) {
            SphericalHarmonics.Sparse jc = sh.jacobian(l);
            int prev = p0 + (l - 1) * (l - 1);
            for (int t = 0; t < jc.c().length; t++) {
                g.add(gu + jc.k()[t], jc.c()[t], gp + l * l + jc.j()[t], prev + jc.i()[t]);
            }
        }
        reverse = g.build();
    }

    /** Doubles of per-worker scratch {@link #forward} and {@link #backward} need. */
    int scratchDoubles() {
        return rows * CHUNK;
    }

    /** Lanes for a chunk of m edges: m rounded up to the term-program granularity, at most CHUNK. */
    private static int lanes(int m) {
        return Math.min(CHUNK, Kernels.padTo(m, Kernels.TERM_LANES));
    }

    // ------------------------------------------------------------------ forward

    /**
     * Edges [k0, k1) of the staged graph: their CG sums into {@code ws.mvals}, and their radial inputs
     * ({@code ws.dist} for tables, {@code ws.mlpIn} for the MLP; the distance itself for a model
     * without radial basis).
     */
    void forward(FastWorkspace ws, double[] buf, double[] basis, int k0, int k1) {
        for (int c0 = k0; c0 < k1; c0 += CHUNK) {
            int m = Math.min(CHUNK, k1 - c0);
            int lanes = lanes(m);
            Arrays.fill(buf, (p0 + Math.min(4, shDim)) * lanes, gy0 * lanes, 0.0);
            for (int i = 0; i < lanes; i++) {
                double envelope = 0;
                if (i < m) {
                    envelope = radialInputs(ws, c0 + i, stageLane(ws, c0 + i, buf, lanes, i), basis);
                } else {
                    stageLane(null, 0, buf, lanes, i);
                }
                buf[env * lanes + i] = envelope;
            }
            run(harmonics, buf, lanes);
            run(contraction, buf, lanes);
            if (ws.backward != null) { // the reverse pass sums dE/dM into these rows
                Arrays.fill(ws.backward.dM, c0 * ms, (c0 + m) * ms, 0f);
            }
            float[] out = ws.mvals;
            for (int i = 0; i < m; i++) {
                double e = buf[env * lanes + i];
                int o = (c0 + i) * ms;
                for (int p = 0; p < ms; p++) {
                    out[o + p] = (float) (buf[(m0 + p) * lanes + i] * e);
                }
            }
        }
    }

    /** The envelope of edge k at distance d, after writing its radial inputs. */
    private double radialInputs(FastWorkspace ws, int k, double d, double[] basis) {
        if (ws.dist != null) {
            ws.dist[k] = d;
            if (ws.backward != null) {
                ws.backward.dDist[k] = 0;
            }
            return radial.envelope(d);
        }
        if (radial == null) {
            ws.mlpIn[k] = (float) d;
            return 1.0;
        }
        double e = radial.envelope(d);
        radial.basisRecurrence(d, basis, 0, null, 0);
        for (int b = 0; b < kIn; b++) {
            ws.mlpIn[k * kIn + b] = (float) (basis[b] * e);
        }
        return e;
    }

    // ------------------------------------------------------------------ reverse

    /**
     * dE/dr of edges [k0, k1) into {@code bw.dr} from dE/dM ({@code bw.dM}) and the radial gradients
     * ({@code bw.dDist} for tables, {@code bw.dMlpIn} for the MLP).
     */
    void backward(FastWorkspace ws, FastBackward bw, double[] buf, double[] basis, double[] dBasis, int k0, int k1) {
        float[] dM = bw.dM;
        for (int c0 = k0; c0 < k1; c0 += CHUNK) {
            int m = Math.min(CHUNK, k1 - c0);
            int lanes = lanes(m);
            Arrays.fill(buf, (p0 + Math.min(4, shDim)) * lanes, m0 * lanes, 0.0);
            Arrays.fill(buf, gy0 * lanes, rows * lanes, 0.0);
            for (int i = 0; i < lanes; i++) {
                double envelope = 0;
                if (i < m) {
                    int k = c0 + i;
                    double d = stageLane(ws, k, buf, lanes, i);
                    envelope = radial != null ? radial.envelope(d) : 1.0;
                    int o = k * ms;
                    for (int p = 0; p < ms; p++) {
                        buf[(m0 + p) * lanes + i] = dM[o + p];
                    }
                } else {
                    stageLane(null, 0, buf, lanes, i);
                    for (int p = 0; p < ms; p++) {
                        buf[(m0 + p) * lanes + i] = 0;
                    }
                }
                buf[env * lanes + i] = envelope;
            }
            run(harmonics, buf, lanes);
            run(reverse, buf, lanes);
            for (int i = 0; i < m; i++) {
                int k = c0 + i;
                double vx = vx(ws, k);
                double vy = vy(ws, k);
                double vz = vz(ws, k);
                double d = Math.sqrt(vx * vx + vy * vy + vz * vz);
                double e = buf[env * lanes + i];
                double ge = buf[gEnv * lanes + i];
                double dd = 0;
                if (radial != null) {
                    if (bw.dDist != null) {
                        dd = bw.dDist[k]; // the tables' share, summed over layers
                    } else {
                        radial.basisRecurrence(d, basis, 0, dBasis, 0);
                        for (int b = 0; b < kIn; b++) {
                            double g = bw.dMlpIn[k * kIn + b];
                            ge += g * basis[b];
                            dd += g * e * dBasis[b];
                        }
                    }
                    dd += ge * radial.envelopeDerivative(d);
                } else {
                    dd = bw.dMlpIn[k]; // the MLP input is the distance itself
                }
                double gx = shDim > 1 ? buf[gu * lanes + i] : 0;
                double gy = shDim > 1 ? buf[(gu + 1) * lanes + i] : 0;
                double gz = shDim > 1 ? buf[(gu + 2) * lanes + i] : 0;
                double r = unitScale(vx, vy, vz);
                double ux = vx / r;
                double uy = vy / r;
                double uz = vz / r;
                if (!(ux == 0.0 && uy == 0.0 && uz == 0.0)) {
                    // chain through u = v/|v|: dE/dv = (g - (g.u) u) / |v|
                    double dot = gx * ux + gy * uy + gz * uz;
                    double inv = 1.0 / r;
                    gx = (gx - dot * ux) * inv;
                    gy = (gy - dot * uy) * inv;
                    gz = (gz - dot * uz) * inv;
                }
                if (d > 0) {
                    gx += dd * vx / d;
                    gy += dd * vy / d;
                    gz += dd * vz / d;
                }
                bw.dr[3 * k] = gx;
                bw.dr[3 * k + 1] = gy;
                bw.dr[3 * k + 2] = gz;
            }
        }
    }

    // ------------------------------------------------------------------ shared

    /**
     * Lane i of a chunk: the ONE row and the unit vector of edge k (e3nn's normalisation), or zeros
     * when {@code ws} is null (a lane past the chunk's edges). Returns the edge length.
     */
    private double stageLane(FastWorkspace ws, int k, double[] buf, int lanes, int i) {
        double d = 0;
        double ux = 0;
        double uy = 0;
        double uz = 0;
        if (ws != null) {
            double vx = vx(ws, k);
            double vy = vy(ws, k);
            double vz = vz(ws, k);
            d = Math.sqrt(vx * vx + vy * vy + vz * vz);
            double r = unitScale(vx, vy, vz);
            ux = vx / r;
            uy = vy / r;
            uz = vz / r;
        }
        buf[one * lanes + i] = 1.0;
        if (shDim > 1) {
            buf[(p0 + 1) * lanes + i] = ux;
            buf[(p0 + 2) * lanes + i] = uy;
            buf[(p0 + 3) * lanes + i] = uz;
        }
        return d;
    }

    private void run(Program p, double[] buf, int lanes) {
        if (p.size() > 0) {
            kern.terms(buf, lanes, p.dst, p.a, p.b, p.coef, 0, p.size());
        }
    }

    /** |v| as the harmonics normalise by it: e3nn replaces |v|^2 = 0 by 1. */
    private static double unitScale(double vx, double vy, double vz) {
        double r2 = vx * vx + vy * vy + vz * vz;
        return Math.sqrt(r2 == 0.0 ? 1.0 : r2);
    }

    private static double vx(FastWorkspace ws, int k) {
        return ws.pos[3 * ws.recv[k]] - ws.pos[3 * ws.send[k]] + ws.shift[3 * shiftIndex(ws, k)];
    }

    private static double vy(FastWorkspace ws, int k) {
        return ws.pos[3 * ws.recv[k] + 1] - ws.pos[3 * ws.send[k] + 1] + ws.shift[3 * shiftIndex(ws, k) + 1];
    }

    private static double vz(FastWorkspace ws, int k) {
        return ws.pos[3 * ws.recv[k] + 2] - ws.pos[3 * ws.send[k] + 2] + ws.shift[3 * shiftIndex(ws, k) + 2];
    }

    private static int shiftIndex(FastWorkspace ws, int k) {
        return ws.candIndex == null ? k : ws.candIndex[k];
    }
}
