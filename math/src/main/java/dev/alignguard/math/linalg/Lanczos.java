package dev.alignguard.math.linalg;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;

/**
 * Matrix-free top-m eigenpairs of a symmetric operator by the Lanczos process with full
 * reorthogonalisation, for D too large to form the matrix (a layer's Fisher is D x D with
 * D = d_out * d_in). "Top" means algebraically largest; the operator need not be PSD.
 *
 * <pre>
 *   q_0  : seeded Gaussian unit vector (java.util.Random(seed), so runs are reproducible)
 *   step : w = Op q_j;  alpha_j = &lt;q_j, w&gt;;  w -= alpha_j q_j + beta_{j-1} q_{j-1};
 *          w -= Q_j (Q_j^T w), twice (full reorthogonalisation, modified Gram-Schmidt);
 *          beta_j = ||w||;  q_{j+1} = w / beta_j
 *   T_k  : k x k tridiagonal (alpha on the diagonal, beta off it), Op Q_k = Q_k T_k + beta_k q_k e_k^T
 *   Ritz : T_k = Y Theta Y^T (EJML dense symmetric eig), x_i = Q_k y_i,
 *          ||Op x_i - theta_i x_i|| = |beta_k| |y_i[k-1]|   (the Ritz residual, no extra product)
 * </pre>
 * Memory k * D (the Lanczos basis); time k products with Op plus O(k^2 D) for reorthogonalisation.
 * Full reorthogonalisation keeps Q orthonormal to rounding, so no spurious copies of converged
 * eigenvalues appear and the residual formula stays valid.
 *
 * <p><b>Stopping</b>: after at least m steps, and then every {@code max(1, k_max / 50)} steps, the
 * small problem is solved and the run stops once the top m Ritz residuals are all
 * {@code <= tolerance * max_i |theta_i|} (a lower bound on ||Op||, so the test is conservative),
 * or when {@code k_max} steps are done ({@link Result#converged()} false then; the pairs are the
 * best available). {@code k_max} defaults to {@code min(D, 2m + 20)}.
 *
 * <p><b>Breakdown</b> ({@code beta_j <= BREAKDOWN_TOLERANCE ||T||}): the Krylov space is invariant, e.g. when
 * rank(Op) is small. The process restarts with a fresh seeded vector orthogonal to Q (beta_j = 0,
 * so T becomes block diagonal); this is how eigenvalues outside the start vector's Krylov space
 * (further copies of a repeated eigenvalue, the null space of a low-rank Fisher) are reached.
 * A single start vector still resolves a repeated eigenvalue slowly: for clusters, expect to need
 * a larger k_max.
 */
public final class Lanczos {

    /** Default relative Ritz-residual tolerance: residual <= 1e-10 ||Op||, far below any statistical error in a Fisher estimate. */
    public static final double DEFAULT_TOLERANCE = 1e-10;
    /** Default seed of the start vector. */
    public static final long DEFAULT_SEED = 20250802L;
    /**
     * beta_j below this times the running ||T|| estimate is treated as an invariant subspace (the
     * coupling is dropped and the process restarts). Full reorthogonalisation leaves w at about
     * sqrt(D) 2^-53 ||Op|| in an exactly invariant subspace, far below this; a dropped coupling
     * adds at most this much (relative) to the true Ritz residuals beyond the reported ones.
     */
    public static final double BREAKDOWN_TOLERANCE = 1e-12;

    private Lanczos() {
    }

    /**
     * Solver settings.
     *
     * @param krylovDim maximum Krylov dimension k_max; 0 means the default {@code min(D, 2m + 20)};
     *                  values above D are capped at D
     * @param tolerance relative Ritz-residual tolerance, in (0, 1)
     * @param seed      seed of the start (and restart) vectors
     */
    public record Options(int krylovDim, double tolerance, long seed) {
        public Options {
            if (krylovDim < 0) {
                throw new IllegalArgumentException("krylovDim must be >= 0 (0 = default), got " + krylovDim);
            }
            if (!(tolerance > 0 && tolerance < 1)) {
                throw new IllegalArgumentException("tolerance must be in (0, 1), got " + tolerance);
            }
        }

        /** Default Krylov dimension, {@link #DEFAULT_TOLERANCE}, {@link #DEFAULT_SEED}. */
        public static Options defaults() {
            return new Options(0, DEFAULT_TOLERANCE, DEFAULT_SEED);
        }

        public Options withKrylovDim(int k) {
            return new Options(k, tolerance, seed);
        }

        public Options withTolerance(double tol) {
            return new Options(krylovDim, tol, seed);
        }

        public Options withSeed(long s) {
            return new Options(krylovDim, tolerance, s);
        }
    }

    /**
     * A run's outcome.
     *
     * @param pairs     the top m Ritz pairs, descending; trace = {@link SymmetricOperator#trace()}
     * @param residuals Ritz residual estimates {@code |beta_k y_i[k-1]|}, one per pair (absolute, not relative)
     * @param steps     Lanczos steps taken (= products with the operator)
     * @param converged whether every residual met the tolerance
     */
    public record Result(EigenPairs pairs, double[] residuals, int steps, boolean converged) {
        public Result {
            residuals = residuals.clone();
        }

        @Override
        public double[] residuals() {
            return residuals.clone();
        }
    }

    /** Top m eigenpairs with {@link Options#defaults()}. */
    public static Result top(SymmetricOperator op, int m) {
        return top(op, m, Options.defaults());
    }

    /** Top m eigenpairs of {@code op} (1 <= m <= D, or m = 0 for an empty result). */
    public static Result top(SymmetricOperator op, int m, Options options) {
        if (op == null || options == null) {
            throw new IllegalArgumentException("operator and options must not be null");
        }
        int n = op.dim();
        if (n < 1) {
            throw new IllegalArgumentException("operator dimension must be >= 1, got " + n);
        }
        if (m < 0 || m > n) {
            throw new IllegalArgumentException("m must be in [0, D = " + n + "], got " + m);
        }
        if (m == 0) {
            return new Result(new EigenPairs(n, new double[0], new double[0][], op.trace()), new double[0], 0, true);
        }
        int kMax = Math.min(n, options.krylovDim() == 0 ? 2 * m + 20 : options.krylovDim());
        if (kMax < m) {
            throw new IllegalArgumentException("krylovDim " + kMax + " < m = " + m);
        }
        int checkEvery = Math.max(1, kMax / 50);
        Random rng = new Random(options.seed());

        double[][] q = new double[kMax][];      // Lanczos basis, q[j] has length D
        double[] alpha = new double[kMax];
        double[] beta = new double[kMax];       // beta[j] couples q[j] and q[j+1]; 0 after a restart
        double tNorm = 0;                       // Gershgorin bound on ||T||, for the breakdown test

        double[] next = freshVector(rng, n, q, 0);
        Ritz ritz = null;
        int steps = 0;
        boolean converged = false;
        for (int j = 0; j < kMax; j++) {
            q[j] = next;
            double[] w = new double[n];
            op.apply(q[j], w);
            alpha[j] = Vec.dot(q[j], w);
            Vec.axpy(-alpha[j], q[j], w);
            if (j > 0) {
                Vec.axpy(-beta[j - 1], q[j - 1], w);
            }
            reorthogonalise(w, q, j + 1);
            reorthogonalise(w, q, j + 1);
            double b = Vec.norm(w);
            tNorm = Math.max(tNorm, Math.abs(alpha[j]) + b + (j > 0 ? beta[j - 1] : 0));
            steps = j + 1;
            boolean last = steps == kMax;
            if (steps >= m && (last || (steps - m) % checkEvery == 0)) {
                ritz = ritz(alpha, beta, steps, b, m);
                converged = ritz.converged(options.tolerance());
                if (converged || last) {
                    break;
                }
            }
            if (b <= BREAKDOWN_TOLERANCE * tNorm) {
                beta[j] = 0;
                next = freshVector(rng, n, q, j + 1);
                if (next == null) {                 // Q spans R^D: T_k is exact
                    ritz = ritz(alpha, beta, steps, 0, m);
                    converged = true;
                    break;
                }
            } else {
                beta[j] = b;
                Vec.scale(1 / b, w);
                next = w;
            }
        }

        double[][] x = new double[m][n];        // Ritz vectors x_i = Q y_i
        for (int i = 0; i < m; i++) {
            double[] y = ritz.y[i];
            for (int j = 0; j < steps; j++) {
                Vec.axpy(y[j], q[j], x[i]);
            }
        }
        EigenPairs pairs = new EigenPairs(n, ritz.theta, x, op.trace());
        return new Result(pairs, ritz.residual, steps, converged);
    }

    /** Top m Ritz values (descending), their coefficient vectors y_i (length k) and residuals. */
    private record Ritz(double[] theta, double[][] y, double[] residual, double scale) {
        boolean converged(double tol) {
            for (double r : residual) {
                if (!(r <= tol * scale)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static Ritz ritz(double[] alpha, double[] beta, int k, double betaK, int m) {
        DMatrixRMaj t = new DMatrixRMaj(k, k);  // k x k tridiagonal
        for (int j = 0; j < k; j++) {
            t.unsafe_set(j, j, alpha[j]);
            if (j + 1 < k) {
                t.unsafe_set(j, j + 1, beta[j]);
                t.unsafe_set(j + 1, j, beta[j]);
            }
        }
        EigenPairs e = SymmetricEigen.all(t);
        double scale = Math.max(Math.abs(e.value(0)), Math.abs(e.value(k - 1)));
        double[] theta = new double[m];
        double[][] y = new double[m][];
        double[] res = new double[m];
        for (int i = 0; i < m; i++) {
            theta[i] = e.value(i);
            y[i] = e.vector(i);
            res[i] = Math.abs(betaK * y[i][k - 1]);
        }
        return new Ritz(theta, y, res, scale);
    }

    /** w -= sum_{j < count} &lt;q_j, w&gt; q_j, one modified Gram-Schmidt sweep. */
    private static void reorthogonalise(double[] w, double[][] q, int count) {
        for (int j = 0; j < count; j++) {
            Vec.axpy(-Vec.dot(q[j], w), q[j], w);
        }
    }

    /** A seeded Gaussian unit vector orthogonal to q[0..count), or null when they already span R^D. */
    private static double[] freshVector(Random rng, int n, double[][] q, int count) {
        if (count >= n) {
            return null;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        double before = Vec.norm(v);
        reorthogonalise(v, q, count);
        reorthogonalise(v, q, count);
        double after = Vec.norm(v);
        if (after <= 1e-8 * before) {
            return null;
        }
        Vec.scale(1 / after, v);
        return v;
    }
}
