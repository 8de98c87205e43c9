package org.e3j.engine.irreps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * An ordered direct sum of {@link MulIrrep}s, with the semantics of {@code e3nn_jax.Irreps}.
 *
 * <p>Immutable. Nothing here sorts or merges implicitly: {@link #concat} concatenates, {@link
 * #simplify} only merges <em>adjacent</em> equal irreps, {@link #sort} is a stable sort, and
 * {@link #regroup} is sort-then-simplify. e3nn-jax's layers depend on exactly these rules (e.g.
 * Linear parameter names use the regrouped input indices), so they are reproduced verbatim.
 */
public final class Irreps implements Iterable<MulIrrep> {

    public static final Irreps EMPTY = new Irreps(List.of());

    private final List<MulIrrep> entries;
    private final int[] offsets;

    private Irreps(List<MulIrrep> entries) {
        this.entries = List.copyOf(entries);
        this.offsets = new int[this.entries.size() + 1];
        for (int i = 0; i < this.entries.size(); i++) {
            offsets[i + 1] = Math.addExact(offsets[i], this.entries.get(i).dim());
        }
    }

    public static Irreps of(List<MulIrrep> entries) {
        return new Irreps(entries);
    }

    public static Irreps of(MulIrrep... entries) {
        return new Irreps(Arrays.asList(entries));
    }

    /** One entry {@code mul x ir}. */
    public static Irreps of(int mul, Irrep ir) {
        return new Irreps(List.of(new MulIrrep(mul, ir)));
    }

    /**
     * Parses the e3nn grammar: terms separated by {@code +}, each {@code "<mul>x<irrep>"} or
     * {@code "<irrep>"} (mul 1); whitespace around tokens is allowed; an empty or blank string is
     * the empty Irreps; {@code "0x2e"} keeps a zero-multiplicity entry.
     *
     * @throws IrrepsException naming the whole string and the offending term
     */
    public static Irreps parse(String s) {
        if (s == null) {
            throw new IrrepsException("cannot parse null as Irreps");
        }
        if (s.strip().isEmpty()) {
            return EMPTY;
        }
        List<MulIrrep> out = new ArrayList<>();
        // split("+", -1) keeps trailing empty terms, which Python's str.split also keeps (then fails).
        for (String term : s.split("\\+", -1)) {
            out.add(parseTerm(s, term));
        }
        return new Irreps(out);
    }

    private static MulIrrep parseTerm(String whole, String term) {
        try {
            int x = term.indexOf('x');
            if (x >= 0) {
                if (term.indexOf('x', x + 1) >= 0) {
                    throw new IrrepsException("more than one 'x'");
                }
                int mul = Irrep.parsePythonInt(term.substring(0, x));
                if (mul < 0) {
                    throw new IrrepsException("negative multiplicity");
                }
                return new MulIrrep(mul, Irrep.parse(term.substring(x + 1)));
            }
            return new MulIrrep(1, Irrep.parse(term));
        } catch (IrrepsException | NumberFormatException e) {
            throw new IrrepsException("Unable to convert string \"" + whole + "\" into an Irreps: bad term \""
                    + term + "\"", e);
        }
    }

    /** e3nn's {@code Irreps.spherical_harmonics(lmax, p)}: {@code 1x0e+1x1o+...} with parity {@code p^l}. */
    public static Irreps sphericalHarmonics(int lmax, int p) {
        List<MulIrrep> out = new ArrayList<>();
        for (int l = 0; l <= lmax; l++) {
            out.add(new MulIrrep(1, new Irrep(l, (p == -1 && l % 2 == 1) ? -1 : 1)));
        }
        return new Irreps(out);
    }

    /** e3nn's {@code s2_irreps(lmax)} with its defaults ({@code p_val=1, p_arg=-1}): parity (-1)^l. */
    public static Irreps s2Irreps(int lmax) {
        return sphericalHarmonics(lmax, -1);
    }

    // ---------------------------------------------------------------- accessors

    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public MulIrrep get(int i) {
        return entries.get(i);
    }

    public List<MulIrrep> entries() {
        return entries;
    }

    @Override
    public Iterator<MulIrrep> iterator() {
        return entries.iterator();
    }

    /** Total dimension {@code sum mul*(2l+1)}. */
    public int dim() {
        return offsets[offsets.length - 1];
    }

    /** Sum of multiplicities. */
    public int numIrreps() {
        int n = 0;
        for (MulIrrep m : entries) {
            n += m.mul();
        }
        return n;
    }

    /** Maximum l over the entries with mul &gt; 0 (e3nn takes the max of {@code ls}, which skips mul-0 entries). */
    public int lmax() {
        int lmax = -1;
        for (MulIrrep m : entries) {
            if (m.mul() > 0) {
                lmax = Math.max(lmax, m.l());
            }
        }
        if (entries.isEmpty()) {
            throw new IrrepsException("Cannot get lmax of empty Irreps");
        }
        if (lmax < 0) {
            // e3nn: max([]) raises ValueError when every mul is 0
            throw new IrrepsException("Cannot get lmax of " + this + ": every multiplicity is zero");
        }
        return lmax;
    }

    /** e3nn's {@code ls}: each entry's l repeated mul times. */
    public int[] ls() {
        int[] out = new int[numIrreps()];
        int k = 0;
        for (MulIrrep m : entries) {
            for (int u = 0; u < m.mul(); u++) {
                out[k++] = m.l();
            }
        }
        return out;
    }

    /** Start of entry {@code i} in the flat data; {@code offset(size())} is {@link #dim()}. */
    public int offset(int i) {
        return offsets[i];
    }

    /** Copy of the {@code size()+1} entry boundaries (e3nn's {@code slices()} as starts/stops). */
    public int[] offsets() {
        return offsets.clone();
    }

    /** Total multiplicity of {@code ir}. */
    public int count(Irrep ir) {
        int n = 0;
        for (MulIrrep m : entries) {
            if (m.ir().equals(ir)) {
                n += m.mul();
            }
        }
        return n;
    }

    public boolean contains(Irrep ir) {
        for (MulIrrep m : entries) {
            if (m.ir().equals(ir)) {
                return true;
            }
        }
        return false;
    }

    /** True iff the set of irreps is exactly {0e} (e3nn; the empty Irreps is not scalar). */
    public boolean isScalar() {
        if (entries.isEmpty()) {
            return false;
        }
        for (MulIrrep m : entries) {
            if (!m.ir().isScalar()) {
                return false;
            }
        }
        return true;
    }

    /** gcd of all multiplicities (0 for the empty Irreps, like Python's math.gcd()). */
    public int mulGcd() {
        int g = 0;
        for (MulIrrep m : entries) {
            g = gcd(g, m.mul());
        }
        return g;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return Math.abs(a);
    }

    // ---------------------------------------------------------------- arithmetic

    /** {@code this + other}: plain concatenation (nothing merged or sorted). */
    public Irreps concat(Irreps other) {
        List<MulIrrep> out = new ArrayList<>(entries);
        out.addAll(other.entries);
        return new Irreps(out);
    }

    /** Concatenates in order. */
    public static Irreps concat(List<Irreps> parts) {
        List<MulIrrep> out = new ArrayList<>();
        for (Irreps p : parts) {
            out.addAll(p.entries);
        }
        return new Irreps(out);
    }

    /** {@code k * irreps}: every multiplicity times k. */
    public Irreps times(int k) {
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : entries) {
            out.add(new MulIrrep(Math.multiplyExact(m.mul(), k), m.ir()));
        }
        return new Irreps(out);
    }

    /** {@code irreps // k}: every multiplicity floor-divided by k. */
    public Irreps floorDiv(int k) {
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : entries) {
            out.add(new MulIrrep(Math.floorDiv(m.mul(), k), m.ir()));
        }
        return new Irreps(out);
    }

    /** The whole sequence repeated n times. */
    public Irreps repeat(int n) {
        List<MulIrrep> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.addAll(entries);
        }
        return new Irreps(out);
    }

    /** Same irreps with every multiplicity set to {@code mul}. */
    public Irreps setMul(int mul) {
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : entries) {
            out.add(new MulIrrep(mul, m.ir()));
        }
        return new Irreps(out);
    }

    // ---------------------------------------------------------------- simplification and sorting

    /** Merges adjacent entries with equal irreps (mul-0 entries do separate). */
    public Irreps unify() {
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : entries) {
            if (!out.isEmpty() && out.get(out.size() - 1).ir().equals(m.ir())) {
                MulIrrep last = out.remove(out.size() - 1);
                out.add(new MulIrrep(last.mul() + m.mul(), m.ir()));
            } else {
                out.add(m);
            }
        }
        return new Irreps(out);
    }

    public Irreps removeZeroMultiplicities() {
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : entries) {
            if (m.mul() > 0) {
                out.add(m);
            }
        }
        return new Irreps(out);
    }

    /** {@link #removeZeroMultiplicities()} then {@link #unify()}; does NOT sort. */
    public Irreps simplify() {
        return removeZeroMultiplicities().unify();
    }

    /**
     * The result of {@link #sort()}. {@code inv[k]} is the original index of the k-th sorted entry;
     * {@code p[i]} is the sorted position of original entry i (e3nn's {@code p = inverse(inv)}).
     */
    public record Sorted(Irreps irreps, int[] p, int[] inv) {
        @Override
        public String toString() {
            return "Sorted[" + irreps + ", p=" + Arrays.toString(p) + ", inv=" + Arrays.toString(inv) + "]";
        }
    }

    /** Stable sort by irrep (e3nn sorts tuples {@code (ir, index, mul)}, so ties keep input order). */
    public Sorted sort() {
        int n = entries.size();
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        // Arrays.sort on objects is stable (TimSort); comparing ir then index is explicit anyway.
        Arrays.sort(idx, (a, b) -> {
            int c = entries.get(a).ir().compareTo(entries.get(b).ir());
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] inv = new int[n];
        int[] p = new int[n];
        List<MulIrrep> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            inv[k] = idx[k];
            p[idx[k]] = k;
            out.add(entries.get(idx[k]));
        }
        return new Sorted(new Irreps(out), p, inv);
    }

    /** {@code sort().irreps().simplify()}. */
    public Irreps regroup() {
        return sort().irreps().simplify();
    }

    // ---------------------------------------------------------------- filtering and slicing

    /** Keeps the entries whose irrep is in {@code keep}, in original order. */
    public Irreps filterKeep(Collection<Irrep> keep) {
        Set<Irrep> set = new HashSet<>(keep);
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : entries) {
            if (set.contains(m.ir())) {
                out.add(m);
            }
        }
        return new Irreps(out);
    }

    /** Keeps the entries whose irrep appears in {@code keep} (multiplicities of keep are ignored). */
    public Irreps filterKeep(Irreps keep) {
        return filterKeep(keep.irrepSet());
    }

    /** Drops the entries whose irrep is in {@code drop}, keeping order. */
    public Irreps filterDrop(Collection<Irrep> drop) {
        Set<Irrep> set = new HashSet<>(drop);
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : entries) {
            if (!set.contains(m.ir())) {
                out.add(m);
            }
        }
        return new Irreps(out);
    }

    public Irreps filterDrop(Irreps drop) {
        return filterDrop(drop.irrepSet());
    }

    /** Keeps the entries with {@code l <= lmax}, keeping order. */
    public Irreps filterLmax(int lmax) {
        List<MulIrrep> out = new ArrayList<>();
        for (MulIrrep m : entries) {
            if (m.l() <= lmax) {
                out.add(m);
            }
        }
        return new Irreps(out);
    }

    /** The distinct irreps present (any multiplicity, including 0). */
    public Set<Irrep> irrepSet() {
        Set<Irrep> set = new HashSet<>();
        for (MulIrrep m : entries) {
            set.add(m.ir());
        }
        return Collections.unmodifiableSet(set);
    }

    /**
     * e3nn's {@code slice_by_mul[start:stop]}: slices by multiplicity count, possibly cutting an
     * entry. Indices follow Python slice rules over {@code numIrreps()} (negative counts from the
     * end, out-of-range clamps); pass {@link Integer#MAX_VALUE} as stop for "to the end".
     */
    public Irreps sliceByMul(int start, int stop) {
        int n = numIrreps();
        int[] ss = pySlice(start, stop, n);
        int a = ss[0];
        int b = ss[1];
        List<MulIrrep> out = new ArrayList<>();
        int i = 0;
        for (MulIrrep m : entries) {
            int mul = m.mul();
            if (a <= i && i + mul <= b) {
                out.add(m);
            } else if (a < i + mul && i < b) {
                out.add(new MulIrrep(Math.min(b, i + mul) - Math.max(a, i), m.ir()));
            }
            i += mul;
        }
        return new Irreps(out);
    }

    /**
     * e3nn's {@code slice_by_dim[start:stop]}: the slice must not cut an irrep copy.
     *
     * @throws IrrepsException if the slice splits an irrep copy
     */
    public Irreps sliceByDim(int start, int stop) {
        int[] ss = pySlice(start, stop, dim());
        int a = ss[0];
        int b = ss[1];
        List<MulIrrep> out = new ArrayList<>();
        int i = 0;
        for (MulIrrep m : entries) {
            int d = m.dim();
            if (a <= i && i + d <= b) {
                out.add(m);
            } else if (a < i + d && i < b) {
                int dd = Math.min(b, i + d) - Math.max(a, i);
                if (dd % m.ir().dim() != 0 || (Math.max(a, i) - i) % m.ir().dim() != 0) {
                    throw new IrrepsException("slice_by_dim: " + start + ":" + stop + " is not a valid slice for irreps "
                            + this + " because it does not split " + m + " in an equivariant way");
                }
                out.add(new MulIrrep(dd / m.ir().dim(), m.ir()));
            }
            i += d;
        }
        return new Irreps(out);
    }

    /** e3nn's {@code slice_by_chunk[start:stop]}: a sub-list of entries (Python slice rules). */
    public Irreps sliceByChunk(int start, int stop) {
        int[] ss = pySlice(start, stop, entries.size());
        return new Irreps(entries.subList(ss[0], Math.max(ss[0], ss[1])));
    }

    /** Python's {@code slice(start, stop).indices(n)} for stride 1. */
    static int[] pySlice(int start, int stop, int n) {
        int a = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
        int b = stop < 0 ? Math.max(0, stop + n) : Math.min(stop, n);
        return new int[] {a, b};
    }

    // ---------------------------------------------------------------- object

    @Override
    public boolean equals(Object o) {
        return o instanceof Irreps other && entries.equals(other.entries);
    }

    /** Equality with a string parses the string first (like e3nn); false if it does not parse. */
    public boolean equalsString(String s) {
        try {
            return equals(parse(s));
        } catch (IrrepsException e) {
            return false;
        }
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    /** e3nn repr: {@code "8x0e+8x1o"}, or {@code "Irreps()"} when empty. */
    @Override
    public String toString() {
        if (entries.isEmpty()) {
            return "Irreps()";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                sb.append('+');
            }
            sb.append(entries.get(i));
        }
        return sb.toString();
    }
}
