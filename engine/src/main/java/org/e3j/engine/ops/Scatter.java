package org.e3j.engine.ops;

import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.IrrepsException;

/**
 * e3nn-jax's {@code scatter_sum} / {@code scatter_mean} over the leading axis, in double.
 *
 * <p>Two forms: with {@code dst} and {@code output_size} ({@code out[dst[e]] += data[e]}); and with
 * {@code nel} (segment i is the contiguous rows {@code sum(nel[:i]) .. sum(nel[:i+1])-1}). The mean
 * divides by {@code max(1, count)}, so empty segments give exactly 0, never NaN; with nel the count
 * is {@code nel[i]} itself. Out-of-range {@code dst} (undefined in JAX) is refused here. With nel,
 * like {@code jnp.repeat(..., total_repeat_length=rows)}, rows beyond {@code sum(nel)} are added to
 * the last segment (without being counted) and segments past the last row are cut.
 */
public final class Scatter {

    private Scatter() {}

    public static IrrepsArray sum(IrrepsArray data, int[] dst, int outputSize) {
        return new IrrepsArray(data.irreps(), outputSize, sum(data.data(), data.dim(), dst, outputSize));
    }

    public static IrrepsArray mean(IrrepsArray data, int[] dst, int outputSize) {
        return new IrrepsArray(data.irreps(), outputSize, mean(data.data(), data.dim(), dst, outputSize));
    }

    public static IrrepsArray sumNel(IrrepsArray data, int[] nel) {
        return new IrrepsArray(data.irreps(), nel.length, sumNel(data.data(), data.dim(), nel));
    }

    public static IrrepsArray meanNel(IrrepsArray data, int[] nel) {
        return new IrrepsArray(data.irreps(), nel.length, meanNel(data.data(), data.dim(), nel));
    }

    /** {@code out[dst[e], :] += data[e, :]} over rows of width {@code width}. */
    public static double[] sum(double[] data, int width, int[] dst, int outputSize) {
        checkRows(data, width, dst.length, "dst");
        double[] out = new double[outputSize * width];
        for (int e = 0; e < dst.length; e++) {
            int n = dst[e];
            if (n < 0 || n >= outputSize) {
                throw new IrrepsException("scatter: dst[" + e + "] = " + n + " outside [0, " + outputSize + ")");
            }
            for (int c = 0; c < width; c++) {
                out[n * width + c] += data[e * width + c];
            }
        }
        return out;
    }

    /** Sum divided by {@code max(1, count)} per output row. */
    public static double[] mean(double[] data, int width, int[] dst, int outputSize) {
        double[] out = sum(data, width, dst, outputSize);
        int[] count = new int[outputSize];
        for (int n : dst) {
            count[n]++;
        }
        for (int n = 0; n < outputSize; n++) {
            double den = Math.max(1, count[n]);
            for (int c = 0; c < width; c++) {
                out[n * width + c] /= den;
            }
        }
        return out;
    }

    /**
     * Reverse pass of {@link #sum(double[], int, int[], int)} with respect to the data: a gather,
     * {@code gradData[e, :] = gradOut[dst[e], :]}.
     */
    public static double[] sumVjp(double[] gradOut, int width, int[] dst, int outputSize) {
        checkRows(gradOut, width, outputSize, "outputSize");
        double[] g = new double[dst.length * width];
        for (int e = 0; e < dst.length; e++) {
            int n = dst[e];
            if (n < 0 || n >= outputSize) {
                throw new IrrepsException("scatter: dst[" + e + "] = " + n + " outside [0, " + outputSize + ")");
            }
            System.arraycopy(gradOut, n * width, g, e * width, width);
        }
        return g;
    }

    /**
     * Reverse pass of {@link #mean(double[], int, int[], int)} with respect to the data:
     * {@code gradData[e, :] = gradOut[dst[e], :] / max(1, count[dst[e]])}.
     */
    public static double[] meanVjp(double[] gradOut, int width, int[] dst, int outputSize) {
        double[] g = sumVjp(gradOut, width, dst, outputSize);
        int[] count = new int[outputSize];
        for (int n : dst) {
            count[n]++;
        }
        for (int e = 0; e < dst.length; e++) {
            double den = Math.max(1, count[dst[e]]);
            for (int c = 0; c < width; c++) {
                g[e * width + c] /= den;
            }
        }
        return g;
    }

    /** Reverse pass of {@link #sumNel(double[], int, int[])}: every row receives its segment's gradient. */
    public static double[] sumNelVjp(double[] gradOut, int width, int[] nel, int rows) {
        return sumVjp(gradOut, width, segmentIds(nel, rows), nel.length);
    }

    /** Reverse pass of {@link #meanNel(double[], int, int[])}: rows receive their segment's gradient / max(1, nel). */
    public static double[] meanNelVjp(double[] gradOut, int width, int[] nel, int rows) {
        int[] ids = segmentIds(nel, rows);
        double[] g = sumVjp(gradOut, width, ids, nel.length);
        for (int r = 0; r < rows; r++) {
            double den = Math.max(1, nel[ids[r]]);
            for (int c = 0; c < width; c++) {
                g[r * width + c] /= den;
            }
        }
        return g;
    }

    /** Segment sums; see the class comment for rows not covered by nel. */
    public static double[] sumNel(double[] data, int width, int[] nel) {
        int rows = data.length / (width == 0 ? 1 : width);
        if (width == 0) {
            return new double[0];
        }
        if (data.length != rows * width) {
            throw new IrrepsException("scatter: data of length " + data.length + " is not a multiple of width "
                    + width);
        }
        return sum(data, width, segmentIds(nel, rows), nel.length);
    }

    public static double[] meanNel(double[] data, int width, int[] nel) {
        double[] out = sumNel(data, width, nel);
        for (int g = 0; g < nel.length; g++) {
            double den = Math.max(1, nel[g]);
            for (int c = 0; c < width; c++) {
                out[g * width + c] /= den;
            }
        }
        return out;
    }

    /** {@code jnp.repeat(arange(G), nel, total_repeat_length=rows)}. */
    static int[] segmentIds(int[] nel, int rows) {
        int[] ids = new int[rows];
        int r = 0;
        for (int g = 0; g < nel.length && r < rows; g++) {
            if (nel[g] < 0) {
                throw new IrrepsException("scatter: nel[" + g + "] = " + nel[g] + " is negative");
            }
            for (int t = 0; t < nel[g] && r < rows; t++) {
                ids[r++] = g;
            }
        }
        if (r < rows) {
            if (nel.length == 0) {
                throw new IrrepsException("scatter: " + rows + " rows but nel is empty");
            }
            for (; r < rows; r++) {
                ids[r] = nel.length - 1;
            }
        }
        return ids;
    }

    private static void checkRows(double[] data, int width, int rows, String what) {
        if (data.length != (long) rows * width) {
            throw new IrrepsException("scatter: data of length " + data.length + " does not have shape [" + rows
                    + ", " + width + "] implied by " + what);
        }
    }
}
