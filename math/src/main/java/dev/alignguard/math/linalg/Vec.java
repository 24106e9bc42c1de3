package dev.alignguard.math.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Double-precision vector loops (dot, norm, axpy), each summed in a fixed order so every result is
 * a pure function of its inputs (dot uses the Vector API with fixed lane and accumulator order). The solvers and projectors share these instead of each writing
 * its own; they are not the hot float kernels of {@link dev.alignguard.math.Kernels}.
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
