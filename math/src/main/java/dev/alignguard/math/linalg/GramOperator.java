package dev.alignguard.math.linalg;

import java.util.Objects;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ResidentRows;
import dev.alignguard.math.kernels.ScalarKernels;

/**
 * The empirical Fisher in Gram form as a matrix-free operator, F x = G (G^T x) / N, for
 * {@link Lanczos} when even the N x N Gram matrix of {@link GramEigen} is too big (or N varies).
 *
 * <pre>
 *   G : D x N, given as double[N][D] (g[i] = g_i)
 *   apply: c_i = &lt;g_i, x&gt; / N (first pass over G), y = sum_i c_i g_i (second pass)   O(N D)
 * </pre>
 * Holds a reference to {@code g} (no copy: per-example gradients can be hundreds of MB) and makes it
 * {@linkplain Kernels#resident resident} on the backend for the operator's life, so a device backend
 * uploads G once per estimate, not once per product: do not modify it while the operator is open
 * (checked under {@code -Dalignguard.buffers.check=true}), and {@link #close()} it when done.
 */
public final class GramOperator implements SymmetricOperator, AutoCloseable {

    private final double[][] g;         // N x D (rows are the columns g_i of G)
    private final Kernels kernels;      // runs the two passes (dots, combination)
    private final ResidentRows resident; // g on the kernels' side, for the operator's life
    private final int dim;
    private final double trace;         // ||G||_F^2 / N

    /** F = G G^T / N over the given per-example vectors (N >= 1, common length D >= 1, finite), on the host. */
    public GramOperator(double[][] g) {
        this(g, ScalarKernels.INSTANCE);
    }

    /**
     * As {@link #GramOperator(double[][])}, with the two passes of every product on {@code kernels}
     * ({@link Kernels#dots}, {@link Kernels#addCombination}: the OpenCL backend runs them on the
     * device, in double; the others run {@link Vec}'s loops, as the one-argument constructor).
     */
    public GramOperator(double[][] g, Kernels kernels) {
        this.dim = GramEigen.requireExamples(g);
        this.g = g;
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        double t = 0;
        for (double[] gi : g) {
            t += Vec.dot(gi, gi);
        }
        this.trace = t / g.length;
        this.resident = kernels.resident(g);
    }

    /** N, the number of per-example vectors. */
    public int examples() {
        return g.length;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public void apply(double[] x, double[] y) {
        if (x.length != dim || y.length != dim) {
            throw new IllegalArgumentException("operator acts on R^" + dim + ", got x of length " + x.length
                + " and y of length " + y.length);
        }
        if (x == y) {
            throw new IllegalArgumentException("y must not alias x");
        }
        int n = g.length;
        double[] c = new double[n];
        kernels.dots(resident, x, c);
        for (int i = 0; i < n; i++) {
            c[i] /= n;
        }
        java.util.Arrays.fill(y, 0);
        kernels.addCombination(resident, c, y);
    }

    /** Frees G's copy on the backend (a no-op on the host backends); later products throw. Idempotent. */
    @Override
    public void close() {
        resident.close();
    }

    /** trace(F) = ||G||_F^2 / N, known exactly. */
    @Override
    public double trace() {
        return trace;
    }
}
