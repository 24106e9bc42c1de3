package dev.alignguard.math.linalg;

/**
 * Plain double-precision vector loops (dot, norm, axpy), summed left to right so every result is
 * a pure function of its inputs. The solvers and projectors share these instead of each writing
 * its own; they are not the hot float kernels of {@link dev.alignguard.math.Kernels}.
 */
public final class Vec {

    private Vec() {
    }

    /** {@code sum_i x[i] y[i]}; x and y must have the same length. */
    public static double dot(double[] x, double[] y) {
        requireSameLength(x, y);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
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
