package org.e3j.engine.irreps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * A batch of {@code rows} vectors living in the representation {@code irreps}: e3nn-jax's
 * {@code IrrepsArray} restricted to one leading axis, in double precision.
 *
 * <p>Layout is e3nn's interchange layout: row-major {@code [rows][irreps.dim()]}, and inside entry
 * {@code (mul, ir)} copy-major then component ({@code [u][k]}, {@code k = m + l}, m fastest). This is
 * what files and fixtures use; fast kernels may pick another layout internally.
 *
 * <p>The array does not copy its data on construction and {@link #data()} returns the backing
 * array: this is a reference/oracle type, and callers that share it must not mutate it. Symbolic
 * zero chunks ({@code zero_flags} in e3nn-jax) are not modelled: every chunk is real numbers.
 */
public final class IrrepsArray {

    private final Irreps irreps;
    private final int rows;
    private final double[] data;

    public IrrepsArray(Irreps irreps, int rows, double[] data) {
        if (rows < 0) {
            throw new IrrepsException("negative row count " + rows + " for irreps " + irreps);
        }
        if (data.length != (long) rows * irreps.dim()) {
            throw new IrrepsException("data of length " + data.length + " does not fit shape [" + rows + ", "
                    + irreps.dim() + "] of irreps " + irreps);
        }
        this.irreps = irreps;
        this.rows = rows;
        this.data = data;
    }

    /** One row. */
    public static IrrepsArray of(Irreps irreps, double... row) {
        return new IrrepsArray(irreps, 1, row);
    }

    public static IrrepsArray of(String irreps, double... row) {
        return of(Irreps.parse(irreps), row);
    }

    public static IrrepsArray zeros(Irreps irreps, int rows) {
        return new IrrepsArray(irreps, rows, new double[rows * irreps.dim()]);
    }

    public Irreps irreps() {
        return irreps;
    }

    public int rows() {
        return rows;
    }

    /** Row width = {@code irreps().dim()}. */
    public int dim() {
        return irreps.dim();
    }

    /** The backing row-major array (not a copy). */
    public double[] data() {
        return data;
    }

    public double get(int row, int col) {
        return data[row * irreps.dim() + col];
    }

    /** Element {@code [row][entry][u][k]} in e3nn's chunk view. */
    public double get(int row, int entry, int u, int k) {
        return data[index(row, entry, u, k)];
    }

    /** Flat index of element {@code [row][entry][u][k]}. */
    public int index(int row, int entry, int u, int k) {
        MulIrrep m = irreps.get(entry);
        if (u < 0 || u >= m.mul() || k < 0 || k >= m.ir().dim()) {
            throw new IrrepsException("index [u=" + u + ", k=" + k + "] outside chunk " + m);
        }
        return row * irreps.dim() + irreps.offset(entry) + u * m.ir().dim() + k;
    }

    /** Copy of row {@code r}. */
    public double[] row(int r) {
        int d = irreps.dim();
        return Arrays.copyOfRange(data, r * d, (r + 1) * d);
    }

    /**
     * Copy of chunk {@code entry} as a flat {@code [rows][mul][2l+1]} array (e3nn's {@code chunks[i]}).
     */
    public double[] chunk(int entry) {
        MulIrrep m = irreps.get(entry);
        int w = m.dim();
        int d = irreps.dim();
        int off = irreps.offset(entry);
        double[] out = new double[rows * w];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(data, r * d + off, out, r * w, w);
        }
        return out;
    }

    /** Builds an array from per-entry chunks ({@code [rows][mul][2l+1]} each), e3nn's {@code from_chunks}. */
    public static IrrepsArray fromChunks(Irreps irreps, int rows, List<double[]> chunks) {
        if (chunks.size() != irreps.size()) {
            throw new IrrepsException(chunks.size() + " chunks for irreps " + irreps + " with " + irreps.size()
                    + " entries");
        }
        int d = irreps.dim();
        double[] out = new double[rows * d];
        for (int i = 0; i < chunks.size(); i++) {
            double[] c = chunks.get(i);
            int w = irreps.get(i).dim();
            if (c == null) {
                continue; // symbolic zero chunk, as e3nn's None
            }
            if (c.length != rows * w) {
                throw new IrrepsException("chunk " + i + " has length " + c.length + " but " + irreps.get(i)
                        + " needs shape [" + rows + ", " + w + "]");
            }
            int off = irreps.offset(i);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(c, r * w, out, r * d + off, w);
            }
        }
        return new IrrepsArray(irreps, rows, out);
    }

    /** Copies the columns {@code [start, stop)} of every row into a new array with the given irreps. */
    private IrrepsArray columns(Irreps newIrreps, int start, int stop) {
        int w = stop - start;
        int d = irreps.dim();
        double[] out = new double[rows * w];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(data, r * d + start, out, r * w, w);
        }
        return new IrrepsArray(newIrreps, rows, out);
    }

    /** Same data, different (equal-dimension) irreps; e3nn's {@code rechunk} when only muls are split/merged. */
    public IrrepsArray withIrreps(Irreps newIrreps) {
        if (newIrreps.dim() != irreps.dim()) {
            throw new IrrepsException("cannot reinterpret " + irreps + " (dim " + irreps.dim() + ") as " + newIrreps
                    + " (dim " + newIrreps.dim() + ")");
        }
        return new IrrepsArray(newIrreps, rows, data);
    }

    // ---------------------------------------------------------------- reordering

    /** Permutes the chunks by the stable irreps sort (e3nn's {@code IrrepsArray.sort}). */
    public IrrepsArray sort() {
        Irreps.Sorted s = irreps.sort();
        int d = irreps.dim();
        double[] out = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            int dst = r * d;
            for (int k = 0; k < s.inv().length; k++) {
                int src = s.inv()[k];
                int w = irreps.get(src).dim();
                System.arraycopy(data, r * d + irreps.offset(src), out, dst, w);
                dst += w;
            }
        }
        return new IrrepsArray(s.irreps(), rows, out);
    }

    /** Merges adjacent equal irreps and drops mul-0 entries; data unchanged. */
    public IrrepsArray simplify() {
        return new IrrepsArray(irreps.simplify(), rows, data);
    }

    /** {@link #sort()} then {@link #simplify()}: merged chunks concatenate along the mul axis. */
    public IrrepsArray regroup() {
        return sort().simplify();
    }

    // ---------------------------------------------------------------- selection

    /** Entries whose irrep is in {@code keep}, in order (e3nn's {@code filter(keep=...)}). */
    public IrrepsArray filterKeep(Collection<Irrep> keep) {
        List<Integer> sel = new ArrayList<>();
        for (int i = 0; i < irreps.size(); i++) {
            if (keep.contains(irreps.get(i).ir())) {
                sel.add(i);
            }
        }
        return selectEntries(sel);
    }

    /** Entries whose irrep is not in {@code drop}, in order (e3nn's {@code filter(drop=...)}). */
    public IrrepsArray filterDrop(Collection<Irrep> drop) {
        List<Integer> sel = new ArrayList<>();
        for (int i = 0; i < irreps.size(); i++) {
            if (!drop.contains(irreps.get(i).ir())) {
                sel.add(i);
            }
        }
        return selectEntries(sel);
    }

    /** Entries with {@code l <= lmax}, in order. */
    public IrrepsArray filterLmax(int lmax) {
        List<Integer> sel = new ArrayList<>();
        for (int i = 0; i < irreps.size(); i++) {
            if (irreps.get(i).l() <= lmax) {
                sel.add(i);
            }
        }
        return selectEntries(sel);
    }

    private IrrepsArray selectEntries(List<Integer> sel) {
        List<MulIrrep> ent = new ArrayList<>();
        List<double[]> chunks = new ArrayList<>();
        for (int i : sel) {
            ent.add(irreps.get(i));
            chunks.add(chunk(i));
        }
        return fromChunks(Irreps.of(ent), rows, chunks);
    }

    /**
     * e3nn's {@code slice_by_mul[start:stop]} (Python slice rules). Because copies are stored
     * consecutively, a multiplicity range is one contiguous column range.
     */
    public IrrepsArray sliceByMul(int start, int stop) {
        int[] ss = Irreps.pySlice(start, stop, irreps.numIrreps());
        Irreps out = irreps.sliceByMul(ss[0], ss[1]);
        return columns(out, columnOfCopy(ss[0]), Math.max(columnOfCopy(ss[0]), columnOfCopy(ss[1])));
    }

    /** Column where irrep copy number {@code c} (counting with multiplicity) starts. */
    private int columnOfCopy(int c) {
        int col = 0;
        int i = 0;
        for (MulIrrep m : irreps) {
            col += Math.min(Math.max(c - i, 0), m.mul()) * m.ir().dim();
            i += m.mul();
        }
        return col;
    }

    /** e3nn's {@code slice_by_chunk[start:stop]}. */
    public IrrepsArray sliceByChunk(int start, int stop) {
        int[] ss = Irreps.pySlice(start, stop, irreps.size());
        int b = Math.max(ss[0], ss[1]);
        return columns(irreps.sliceByChunk(ss[0], b), irreps.offset(ss[0]), irreps.offset(b));
    }

    /**
     * e3nn's {@code x[..., "1e + 2e"]}: the consecutive entries equal to {@code sub}, which must occur
     * exactly once.
     */
    public IrrepsArray sliceByIrreps(Irreps sub) {
        int found = -1;
        int n = sub.size();
        for (int i = 0; i + n <= irreps.size(); i++) {
            if (irreps.sliceByChunk(i, i + n).equals(sub)) {
                if (found >= 0) {
                    found = -2;
                    break;
                }
                found = i;
            }
        }
        if (n == 0 || found < 0) {
            throw new IrrepsException("can't slice with " + sub + " because it doesn't appear exactly once in "
                    + irreps);
        }
        return columns(sub, irreps.offset(found), irreps.offset(found + n));
    }

    public IrrepsArray sliceByIrreps(String sub) {
        return sliceByIrreps(Irreps.parse(sub));
    }

    /** Rows selected by {@code idx} (a gather, e3nn's {@code x[idx]}); irreps unchanged. */
    public IrrepsArray gatherRows(int[] idx) {
        int d = irreps.dim();
        double[] out = new double[idx.length * d];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= rows) {
                throw new IrrepsException("row index " + idx[i] + " out of range for " + rows + " rows");
            }
            System.arraycopy(data, idx[i] * d, out, i * d, d);
        }
        return new IrrepsArray(irreps, idx.length, out);
    }

    // ---------------------------------------------------------------- combination

    /**
     * e3nn's {@code concatenate(arrays, axis=-1)}: irreps are the plain concatenation (no regroup),
     * rows must agree.
     */
    public static IrrepsArray concatenate(List<IrrepsArray> arrays) {
        if (arrays.isEmpty()) {
            throw new IrrepsException("cannot concatenate an empty list of arrays");
        }
        int rows = arrays.get(0).rows;
        List<Irreps> parts = new ArrayList<>();
        for (IrrepsArray a : arrays) {
            if (a.rows != rows) {
                StringBuilder shapes = new StringBuilder();
                for (IrrepsArray b : arrays) {
                    shapes.append(shapes.length() == 0 ? "" : ", ").append('[').append(b.rows).append(", ")
                            .append(b.dim()).append(']');
                }
                throw new IrrepsException("concatenate: leading shapes differ: " + shapes);
            }
            parts.add(a.irreps);
        }
        Irreps irreps = Irreps.concat(parts);
        int d = irreps.dim();
        double[] out = new double[rows * d];
        int off = 0;
        for (IrrepsArray a : arrays) {
            int w = a.dim();
            for (int r = 0; r < rows; r++) {
                System.arraycopy(a.data, r * w, out, r * d + off, w);
            }
            off += w;
        }
        return new IrrepsArray(irreps, rows, out);
    }

    public static IrrepsArray concatenate(IrrepsArray... arrays) {
        return concatenate(Arrays.asList(arrays));
    }

    /** Shape string {@code [rows, dim]} for error messages. */
    public String shape() {
        return "[" + rows + ", " + irreps.dim() + "]";
    }

    @Override
    public String toString() {
        return irreps + " " + shape();
    }
}
