package org.e3j.engine.irreps;

/**
 * An irrep with a multiplicity {@code mul >= 0} ({@code mul == 0} is legal, as in e3nn). Its data
 * occupies {@code mul * (2l+1)} consecutive numbers, copy-major ({@code [u][m]}).
 */
public record MulIrrep(int mul, Irrep ir) {

    public MulIrrep {
        if (mul < 0) {
            throw new IrrepsException("multiplicity must be >= 0, got " + mul + " for " + ir);
        }
        if (ir == null) {
            throw new IrrepsException("MulIrrep needs an irrep");
        }
    }

    public MulIrrep(int mul, int l, int p) {
        this(mul, new Irrep(l, p));
    }

    public int dim() {
        return mul * ir.dim();
    }

    public int l() {
        return ir.l();
    }

    public int p() {
        return ir.p();
    }

    /** e3nn repr: {@code "8x0e"}. */
    @Override
    public String toString() {
        return mul + "x" + ir;
    }
}
