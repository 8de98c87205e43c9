package org.e3j.cli.viz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.e3j.cli.OptionException;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.MulIrrep;

/**
 * One channel of a feature array: copy {@code copy} of the irrep {@code irrep}, counting copies in
 * the order they appear in the irreps, starting at {@code column} of a row (e3nn's mul_ir layout).
 * Written {@code 1o:3} on the command line.
 */
public record Channel(Irrep irrep, int copy, int column) {

    public int l() {
        return irrep.l();
    }

    public int dim() {
        return irrep.dim();
    }

    public String label() {
        return irrep + ":" + copy;
    }

    @Override
    public String toString() {
        return label();
    }

    /** Every channel of the irreps, in order, grouped by irrep. */
    public static Map<Irrep, List<Channel>> all(Irreps irreps) {
        Map<Irrep, List<Channel>> out = new LinkedHashMap<>();
        for (int e = 0; e < irreps.size(); e++) {
            MulIrrep m = irreps.get(e);
            List<Channel> list = out.computeIfAbsent(m.ir(), k -> new ArrayList<>());
            for (int u = 0; u < m.mul(); u++) {
                list.add(new Channel(m.ir(), list.size(), irreps.offset(e) + u * m.ir().dim()));
            }
        }
        return out;
    }

    /** The default selection: the first copy of every irrep present. */
    public static List<Channel> defaults(Irreps irreps) {
        List<Channel> out = new ArrayList<>();
        for (List<Channel> list : all(irreps).values()) {
            if (!list.isEmpty()) {
                out.add(list.get(0));
            }
        }
        return out;
    }

    /**
     * Parses selections such as {@code 0e:0}, {@code 1o:0-2} or {@code 2e} (copy 0), several per
     * string separated by commas. Unknown irreps and copies the array does not have are errors
     * naming what is available.
     */
    public static List<Channel> parse(List<String> specs, Irreps irreps, String tensor) {
        Map<Irrep, List<Channel>> all = all(irreps);
        Set<Channel> out = new LinkedHashSet<>();
        for (String spec : specs) {
            for (String item : spec.split(",")) {
                String s = item.strip();
                if (s.isEmpty()) {
                    continue;
                }
                int colon = s.indexOf(':');
                String irText = colon < 0 ? s : s.substring(0, colon);
                Irrep ir;
                try {
                    ir = Irrep.parse(irText);
                } catch (RuntimeException e) {
                    throw new OptionException("--channel " + s + ": '" + irText + "' is not an irrep (write e.g. "
                            + "0e:0, 1o:2, 2e:0-3)");
                }
                List<Channel> have = all.get(ir);
                if (have == null || have.isEmpty()) {
                    throw new OptionException("--channel " + s + ": channel does not exist, " + tensor
                            + " has no " + ir + " (irreps " + irreps + "; channels " + available(all) + ")");
                }
                int lo;
                int hi;
                try {
                    if (colon < 0) {
                        lo = 0;
                        hi = 0;
                    } else {
                        String range = s.substring(colon + 1).strip();
                        int dash = range.indexOf('-', 1);
                        lo = Integer.parseInt(dash < 0 ? range : range.substring(0, dash).strip());
                        hi = dash < 0 ? lo : Integer.parseInt(range.substring(dash + 1).strip());
                    }
                } catch (NumberFormatException e) {
                    throw new OptionException("--channel " + s + ": the copy must be a number or a range "
                            + "(e.g. 1o:2 or 1o:0-3)");
                }
                if (lo < 0 || hi < lo || hi >= have.size()) {
                    throw new OptionException("--channel " + s + ": channel does not exist, " + tensor + " has "
                            + have.size() + " cop" + (have.size() == 1 ? "y" : "ies") + " of " + ir + " (" + ir + ":0"
                            + (have.size() > 1 ? "-" + (have.size() - 1) : "") + ")");
                }
                for (int k = lo; k <= hi; k++) {
                    out.add(have.get(k));
                }
            }
        }
        if (out.isEmpty()) {
            throw new OptionException("--channel selects nothing (write e.g. 0e:0,1o:0)");
        }
        return List.copyOf(out);
    }

    private static String available(Map<Irrep, List<Channel>> all) {
        StringBuilder sb = new StringBuilder();
        all.forEach((ir, list) -> {
            if (!list.isEmpty()) {
                sb.append(sb.length() == 0 ? "" : ", ").append(ir).append(":0");
                if (list.size() > 1) {
                    sb.append('-').append(list.size() - 1);
                }
            }
        });
        return sb.toString();
    }
}
