package org.e3j.graph.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.e3j.graph.Structure;

/**
 * One frame of an extended XYZ file: a {@link Structure}, per-frame info (key = value) and
 * per-atom properties other than species/positions.
 *
 * <p>Info values are {@code Long}, {@code Double}, {@code Boolean}, {@code String}, or arrays
 * {@code long[]}, {@code double[]}, {@code boolean[]}, as ASE parses them. By ASE's convention
 * {@code energy} (Double) and {@code stress} (double[], 9 values row-major as ASE writes, or 6 Voigt)
 * live in the info, and {@code forces} is a per-atom R:3 property; {@link #energy()},
 * {@link #forces()} and {@link #stress()} read them. Immutable; the {@code with*} methods return copies.
 */
public final class Frame {
    private final Structure structure;
    private final Map<String, Object> info;
    private final Map<String, Property> arrays;

    public Frame(Structure structure, Map<String, Object> info, Map<String, Property> arrays) {
        this.structure = Objects.requireNonNull(structure, "structure");
        this.info = Collections.unmodifiableMap(new LinkedHashMap<>(info == null ? Map.of() : info));
        LinkedHashMap<String, Property> a = new LinkedHashMap<>();
        if (arrays != null) {
            for (Map.Entry<String, Property> e : arrays.entrySet()) {
                if (e.getValue().rows() != structure.size()) {
                    throw new IllegalArgumentException("property " + e.getKey() + " has " + e.getValue().rows()
                            + " rows but the structure has " + structure.size() + " atoms");
                }
                a.put(e.getKey(), e.getValue());
            }
        }
        this.arrays = Collections.unmodifiableMap(a);
    }

    public static Frame of(Structure structure) {
        return new Frame(structure, null, null);
    }

    public Structure structure() {
        return structure;
    }

    /** Unmodifiable per-frame info, in file order. */
    public Map<String, Object> info() {
        return info;
    }

    /** Unmodifiable per-atom properties (not species / pos / Z), in file order. */
    public Map<String, Property> arrays() {
        return arrays;
    }

    /** The {@code energy} info value, or null. */
    public Double energy() {
        Object e = info.get("energy");
        if (e instanceof Number n) {
            return n.doubleValue();
        }
        return null;
    }

    /** Forces, 3N row-major, or null. */
    public double[] forces() {
        Property p = arrays.get("forces");
        if (p == null || p.type() != Property.Type.R || p.columns() != 3) {
            return null;
        }
        return p.doubles();
    }

    /**
     * Stress in Voigt order (xx, yy, zz, yz, xz, xy), eV/Å^3 with ASE's sign, from a 9-value
     * (3x3) or 6-value info entry; null if absent.
     */
    public double[] stress() {
        Object s = info.get("stress");
        double[] v;
        if (s instanceof double[] d) {
            v = d;
        } else if (s instanceof long[] l) {
            v = new double[l.length];
            for (int k = 0; k < l.length; k++) {
                v[k] = l[k];
            }
        } else {
            return null;
        }
        if (v.length == 6) {
            return v.clone();
        }
        if (v.length == 9) {
            return new double[] {v[0], v[4], v[8], 0.5 * (v[5] + v[7]), 0.5 * (v[2] + v[6]), 0.5 * (v[1] + v[3])};
        }
        return null;
    }

    public Frame withInfo(String key, Object value) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>(info);
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return new Frame(structure, m, arrays);
    }

    public Frame withEnergy(double energy) {
        return withInfo("energy", energy);
    }

    /** Stress as 6 Voigt values (stored as ASE writes it: 9 values, row-major 3x3). */
    public Frame withStress(double[] voigt) {
        if (voigt.length != 6) {
            throw new IllegalArgumentException("stress needs 6 Voigt values, got " + voigt.length);
        }
        double xx = voigt[0], yy = voigt[1], zz = voigt[2], yz = voigt[3], xz = voigt[4], xy = voigt[5];
        return withInfo("stress", new double[] {xx, xy, xz, xy, yy, yz, xz, yz, zz});
    }

    public Frame withForces(double[] forces) {
        return withArray(Property.real("forces", 3, forces));
    }

    public Frame withArray(Property p) {
        LinkedHashMap<String, Property> m = new LinkedHashMap<>(arrays);
        m.put(p.name(), p);
        return new Frame(structure, info, m);
    }

    @Override
    public String toString() {
        return "Frame[" + structure + ", info=" + info.keySet() + ", arrays=" + arrays.keySet() + "]";
    }
}
