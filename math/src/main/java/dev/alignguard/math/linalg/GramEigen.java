package dev.alignguard.math.linalg;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;

import org.ejml.data.DMatrixRMaj;

/**
 * Exact top eigenpairs of the empirical Fisher in Gram form, F = G G^T / N, without forming the
 * D x D matrix.
 *
 * <pre>
 *   G : D x N, given as double[N][D] (g[i] = g_i, one per-example gradient per column)
 *   K = G^T G / N                 N x N, K_ij = &lt;g_i, g_j&gt; / N
 *   K = V S V^T                   dense symmetric eig (EJML), S descending
 *   U = G V S^{-1/2} / sqrt(N)    D x r, so F U = U S and U^T U = I
 *   U <- Gram-Schmidt(U), twice   restores U^T U = I to rounding (the lift squares the condition
 *                                 number, see the comment in the code)
 * </pre>
 * F and K share their nonzero eigenvalues, so this is exact, rank(F) <= N, and costs
 * O(N^2 D) for K, O(N^3) for its eig and O(N D m) to lift m vectors: the method of choice when
 * N (examples) is much smaller than D (weights in the layer).
 *
 * <p><b>Zero and tiny eigenvalues are dropped</b>: a pair is kept only if
 * {@code s_k > relativeThreshold * s_0} (s_0 the largest). The lift divides by sqrt(s_k), and an
 * eigenvalue at the rounding level of K (whose entries are D-term sums, relative error up to about
 * D * 2^-53, i.e. 2e-10 at D = 10^6) has an eigenvector that is noise, which the lift would turn
 * into a non-orthogonal garbage direction. The default {@value #DEFAULT_RELATIVE_THRESHOLD} sits
 * above that noise floor and far below any direction that matters to a Fisher penalty. So the
 * result can hold fewer than m pairs when rank(G) < m, and none when G = 0.
 */
public final class GramEigen {

    /** Default relative eigenvalue threshold below which pairs are dropped (see the class comment). */
    public static final double DEFAULT_RELATIVE_THRESHOLD = 1e-9;

    private GramEigen() {
    }

    /** Every pair above the default threshold (at most N), descending; trace = trace(F) = ||G||_F^2 / N. */
    public static EigenPairs all(double[][] g) {
        return top(g, Integer.MAX_VALUE, DEFAULT_RELATIVE_THRESHOLD);
    }

    /** The top min(m, r) pairs, r = number of eigenvalues above the default threshold. */
    public static EigenPairs top(double[][] g, int m) {
        return top(g, m, DEFAULT_RELATIVE_THRESHOLD);
    }

    /** The top pairs with s_k > relativeThreshold * s_0, at most m of them. */
    public static EigenPairs top(double[][] g, int m, double relativeThreshold) {
        return top(ScalarKernels.INSTANCE, g, m, relativeThreshold);
    }

    /**
     * As {@link #top(double[][], int, double)}, with the Gram matrix {@code G^T G} computed by
     * {@code kernels} ({@link Kernels#gram}: on the device, in double, for OpenCL; the reference
     * loop otherwise, the same bits as without kernels).
     */
    public static EigenPairs top(Kernels kernels, double[][] g, int m, double relativeThreshold) {
        if (m < 0) {
            throw new IllegalArgumentException("m must be >= 0, got " + m);
        }
        if (!(relativeThreshold >= 0 && relativeThreshold < 1)) {
            throw new IllegalArgumentException("relativeThreshold must be in [0, 1), got " + relativeThreshold);
        }
        DMatrixRMaj k = gram(kernels, g);                   // N x N
        int n = g.length;
        int d = g[0].length;
        EigenPairs kPairs = SymmetricEigen.all(k);          // V (N x N), S descending
        double trace = kPairs.trace();                      // trace(K) = trace(F)
        double s0 = kPairs.count() == 0 ? 0 : kPairs.value(0);
        int keep = 0;
        while (keep < Math.min(m, n) && kPairs.value(keep) > 0 && kPairs.value(keep) > relativeThreshold * s0) {
            keep++;
        }
        double[] values = new double[keep];
        double[][] u = new double[keep][];
        for (int c = 0; c < keep; c++) {
            double s = kPairs.value(c);
            double[] v = kPairs.vector(c);                  // length N
            double[] uc = new double[d];                    // G v / sqrt(N s)
            for (int i = 0; i < n; i++) {
                Vec.axpy(v[i], g[i], uc);
            }
            Vec.scale(1 / Math.sqrt(n * s), uc);            // unit norm up to rounding
            values[c] = s;
            u[c] = uc;
        }
        // The lift loses orthogonality for small s: <u_k, u_l> = v_k^T K v_l / sqrt(s_k s_l), and
        // K v_l - s_l v_l is only zero to ~N eps s_0, so |<u_k, u_l>| ~ N eps s_0 / sqrt(s_k s_l).
        // Two Gram-Schmidt sweeps in descending order restore orthonormality to rounding; they leave
        // u_0 as it is and move each later u_k by about its own error, so residuals keep their order.
        return new EigenPairs(d, values, Orthonormalize.gramSchmidt(d, u), trace);
    }

    /** K = G^T G / N (N x N), the Gram matrix of the per-example vectors; O(N^2 D), exactly symmetric. */
    public static DMatrixRMaj gram(double[][] g) {
        return gram(ScalarKernels.INSTANCE, g);
    }

    /** {@link #gram(double[][])} with the N^2 / 2 dot products on {@code kernels} ({@link Kernels#gram}). */
    public static DMatrixRMaj gram(Kernels kernels, double[][] g) {
        requireExamples(g);
        int n = g.length;
        DMatrixRMaj k = new DMatrixRMaj(n, n);
        kernels.gram(g, k.data);
        for (int i = 0; i < k.data.length; i++) {
            k.data[i] /= n;
        }
        return k;
    }

    /** Checks N >= 1 vectors of one length D >= 1, all finite; returns D. */
    static int requireExamples(double[][] g) {
        if (g == null || g.length == 0) {
            throw new IllegalArgumentException("need at least one per-example vector (G is D x N with N >= 1)");
        }
        if (g[0] == null || g[0].length == 0) {
            throw new IllegalArgumentException("per-example vectors must have length D >= 1");
        }
        int d = g[0].length;
        Columns.requireShape(d, g, "g");
        for (int i = 0; i < g.length; i++) {
            Vec.requireFinite(g[i], "g[" + i + "]");
        }
        return d;
    }
}
