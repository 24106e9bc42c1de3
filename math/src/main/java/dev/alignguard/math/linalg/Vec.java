package dev.alignguard.math.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Double-precision vector loops (dot, norm, axpy), each summed in a fixed order so every result is
 * a pure function of its inputs (dot uses the Vector API with fixed lane and accumulator order). The solvers and projectors share these instead of each writing
 * its own; they are not the hot float kernels of {@link dev.alignguard.math.kernels.Kernels}.
 */
public final class Vec {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    private Vec() {
    }

    /** {@code sum_i x[i] y[i]}; x and y must have the same length. */
    public static double dot(double[] x, double[] y) {
        requireSameLength(x, y);
        // Vector API, four independent accumulators (the additions do not wait on each other),
        // lanes summed in a fixed order: deterministic whatever the JIT tier
        int n = x.length, lanes = D.length(), i = 0;
        DoubleVector a0 = DoubleVector.zero(D), a1 = a0, a2 = a0, a3 = a0;
        for (; i + 4 * lanes <= n; i += 4 * lanes) {
            a0 = DoubleVector.fromArray(D, x, i).fma(DoubleVector.fromArray(D, y, i), a0);
            a1 = DoubleVector.fromArray(D, x, i + lanes).fma(DoubleVector.fromArray(D, y, i + lanes), a1);
            a2 = DoubleVector.fromArray(D, x, i + 2 * lanes).fma(DoubleVector.fromArray(D, y, i + 2 * lanes), a2);
            a3 = DoubleVector.fromArray(D, x, i + 3 * lanes).fma(DoubleVector.fromArray(D, y, i + 3 * lanes), a3);
        }
        double[] l = a0.add(a1).add(a2.add(a3)).toArray();
        double s = 0;
        for (double v : l) {
            s += v;
        }
        for (; i < n; i++) {
            s = Math.fma(x[i], y[i], s);
        }
        return s;
    }

    /**
     * {@code out[k] = dot(rows[k], x)} for every row. Four rows share each load of x and run as
     * four independent memory streams, which reads a basis larger than the caches about a quarter
     * faster than one {@link #dot} per row (measured at 32 x 16384). Each result is deterministic:
     * lanes are summed in a fixed order; it may differ from {@link #dot} in the last bits.
     */
    public static void dots(double[][] rows, double[] x, double[] out) {
        if (rows.length != out.length) {
            throw new IllegalArgumentException(rows.length + " rows but room for " + out.length + " results");
        }
        for (double[] u : rows) {
            requireSameLength(u, x);
        }
        dots(rows, x, out, 0, rows.length);
    }

    /**
     * {@link #dots(double[][], double[], double[])} for rows {@code [from, to)} only (lengths
     * unchecked): rows taken four at a time from {@code from}, the rest one {@link #dot} each. With
     * {@code from} a multiple of four and {@code to} a multiple of four or the row count, every result
     * has the bits the whole call gives it, so ranges may run on different threads.
     */
    public static void dots(double[][] rows, double[] x, double[] out, int from, int to) {
        int n = x.length, lanes = D.length(), k = from;
        for (; k + 4 <= to; k += 4) {
            double[] u0 = rows[k], u1 = rows[k + 1], u2 = rows[k + 2], u3 = rows[k + 3];
            DoubleVector a0 = DoubleVector.zero(D), a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i + lanes <= n; i += lanes) {
                DoubleVector xv = DoubleVector.fromArray(D, x, i);
                a0 = DoubleVector.fromArray(D, u0, i).fma(xv, a0);
                a1 = DoubleVector.fromArray(D, u1, i).fma(xv, a1);
                a2 = DoubleVector.fromArray(D, u2, i).fma(xv, a2);
                a3 = DoubleVector.fromArray(D, u3, i).fma(xv, a3);
            }
            out[k] = finish(a0, u0, x, i);
            out[k + 1] = finish(a1, u1, x, i);
            out[k + 2] = finish(a2, u2, x, i);
            out[k + 3] = finish(a3, u3, x, i);
        }
        for (; k < to; k++) {
            out[k] = dot(rows[k], x);
        }
    }

    /** The lanes of {@code acc} summed in order, then the scalar tail from {@code from}. */
    private static double finish(DoubleVector acc, double[] u, double[] x, int from) {
        double s = 0;
        for (double v : acc.toArray()) {
            s += v;
        }
        for (int i = from; i < x.length; i++) {
            s = Math.fma(u[i], x[i], s);
        }
        return s;
    }

    /** Euclidean norm, scaled so that it neither overflows nor underflows for extreme entries. */
    public static double norm(double[] x) {
        double scale = 0;
        for (double v : x) {
            scale = Math.max(scale, Math.abs(v));
        }
        if (scale == 0 || !Double.isFinite(scale)) {
            return scale;
        }
        double s = 0;
        for (double v : x) {
            double t = v / scale;
            s += t * t;
        }
        return scale * Math.sqrt(s);
    }

    /**
     * {@code out += sum_k w[k] rows[k]}: a linear combination of many long rows (a basis applied to
     * coordinates), one fused multiply-add pass per four rows on the Vector API. Every element is
     * {@code fma(rows[m-1][i], w[m-1], ... fma(rows[0][i], w[0], out[i]))}, in that order whatever
     * the vector width (zero weights skipped): deterministic. (Walking the output in cache-sized
     * blocks over all rows at once was measured slower: 32 rows read at once defeat the hardware
     * prefetchers that a few streams keep busy.)
     */
    public static void addCombination(double[][] rows, double[] w, double[] out) {
        if (rows.length != w.length) {
            throw new IllegalArgumentException(rows.length + " rows but " + w.length + " weights");
        }
        for (double[] row : rows) {
            requireSameLength(row, out);
        }
        addCombination(rows, w, out, 0, out.length);
    }

    /**
     * {@link #addCombination(double[][], double[], double[])} on elements {@code [from, to)} only
     * (lengths unchecked). The rows with non-zero weights are applied four per pass over the range
     * (one load and store of {@code out} per four rows instead of per row), each element still the
     * same chain of correctly rounded fmas in ascending k: the bits do not depend on the range, so
     * disjoint ranges may run on different threads.
     */
    public static void addCombination(double[][] rows, double[] w, double[] out, int from, int to) {
        int[] used = new int[rows.length];
        int count = 0;
        for (int k = 0; k < rows.length; k++) {
            if (w[k] != 0) {
                used[count++] = k;
            }
        }
        int lanes = D.length(), j = 0;
        for (; j + 4 <= count; j += 4) {
            double[] r0 = rows[used[j]], r1 = rows[used[j + 1]], r2 = rows[used[j + 2]], r3 = rows[used[j + 3]];
            double w0 = w[used[j]], w1 = w[used[j + 1]], w2 = w[used[j + 2]], w3 = w[used[j + 3]];
            DoubleVector v0 = DoubleVector.broadcast(D, w0), v1 = DoubleVector.broadcast(D, w1);
            DoubleVector v2 = DoubleVector.broadcast(D, w2), v3 = DoubleVector.broadcast(D, w3);
            int i = from;
            for (; i + lanes <= to; i += lanes) {
                DoubleVector acc = DoubleVector.fromArray(D, r0, i).fma(v0, DoubleVector.fromArray(D, out, i));
                acc = DoubleVector.fromArray(D, r1, i).fma(v1, acc);
                acc = DoubleVector.fromArray(D, r2, i).fma(v2, acc);
                DoubleVector.fromArray(D, r3, i).fma(v3, acc).intoArray(out, i);
            }
            for (; i < to; i++) {
                out[i] = Math.fma(r3[i], w3, Math.fma(r2[i], w2, Math.fma(r1[i], w1, Math.fma(r0[i], w0, out[i]))));
            }
        }
        for (; j < count; j++) {
            double[] row = rows[used[j]];
            double wk = w[used[j]];
            DoubleVector wv = DoubleVector.broadcast(D, wk);
            int i = from;
            for (; i + lanes <= to; i += lanes) {
                DoubleVector.fromArray(D, row, i).fma(wv, DoubleVector.fromArray(D, out, i)).intoArray(out, i);
            }
            for (; i < to; i++) {
                out[i] = Math.fma(row[i], wk, out[i]);
            }
        }
    }

    /** {@code y += alpha * x}. */
    public static void axpy(double alpha, double[] x, double[] y) {
        requireSameLength(x, y);
        for (int i = 0; i < x.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    /** {@code x *= alpha}. */
    public static void scale(double alpha, double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= alpha;
        }
    }

    /** {@code x - y} as a new array. */
    public static double[] sub(double[] x, double[] y) {
        requireSameLength(x, y);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - y[i];
        }
        return out;
    }

    /** Throws unless every entry is finite. */
    public static void requireFinite(double[] x, String name) {
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is not finite: " + x[i]);
            }
        }
    }

    private static void requireSameLength(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("length mismatch: " + x.length + " vs " + y.length);
        }
    }
}
