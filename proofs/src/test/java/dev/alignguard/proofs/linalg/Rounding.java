package dev.alignguard.proofs.linalg;

import org.ejml.data.DMatrixRMaj;

/**
 * Rounding-error bounds the linear-algebra properties use as tolerances, each derived from a
 * standard worst-case bound (Higham, Accuracy and Stability of Numerical Algorithms, ch. 3, 8, 19)
 * rather than tuned to make a test pass. Worst-case bounds grow like n u; actual errors typically
 * grow like sqrt(n) u, so a correct implementation passes with a wide margin, while a wrong one
 * (a missing term, a transposed index) is off by O(1) and fails.
 */
public final class Rounding {

    private Rounding() {
    }

    /** Unit roundoff u = 2^-53 of IEEE double. */
    static final double U = 0x1.0p-53;

    /** gamma_n = n u / (1 - n u): bound on the relative error of an n-term dot product or sum. */
    static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    /**
     * Bound on ||fl(P x) - P x|| / ||x|| for a projector applied as m dot products of length D
     * followed by a D-vector combination of m terms (basis), or four such stages of lengths at most
     * D (Kronecker), plus the departure of the stored basis from orthonormality (itself
     * O(gamma_D), Householder QR): each stage adds at most sqrt(D) gamma_D (a vector of D entries
     * each with relative error gamma_D), so 8 sqrt(D) gamma_D covers up to four stages and the basis
     * term with a factor 2 to spare. Used for every projector law.
     */
    public static double projector(int d) {
        return 8 * Math.sqrt(d) * gamma(Math.max(d, 1));
    }

    /**
     * Backward error of a dense symmetric eigendecomposition (EJML: Householder tridiagonalisation,
     * then implicit symmetric QR), relative to ||F||_F: the computed pairs are exact for F + E with
     * ||E|| below this, and the computed eigenvectors are orthonormal to the same order. The
     * n - 2 Householder reflections contribute at most gamma_{cn} each (Higham, Lemma 19.3) and the
     * QR sweeps (about two per eigenvalue, each a chain of Givens rotations) the same order again;
     * 4 n gamma_{4n} bounds that sum with c = 4.
     */
    static double denseEig(int n) {
        return 4 * n * gamma(4 * Math.max(n, 1));
    }

    /**
     * Error of evaluating ||F x - lambda x|| for unit x, relative to ||F||_F: each entry of F x is a
     * D-term dot product with error gamma_D |F_i| |x|, so the vector error is at most
     * gamma_D ||F||_F, and the subtraction adds u ||lambda x|| &lt;= u ||F||_F.
     */
    static double residualEvaluation(int d) {
        return gamma(d) + U;
    }

    /**
     * Lanczos with full reorthogonalisation, k steps on a D-dimensional operator, relative to
     * ||F||_F: how far the true Ritz residual may exceed the reported |beta_k y[k-1]|. Each column
     * of the Lanczos relation F Q = Q T + beta q e^T carries one product with F (gamma_D) and two
     * Gram-Schmidt sweeps over at most k vectors (gamma_{4k}); a Ritz vector combines k columns with
     * unit-norm weights (sqrt(k)); the small k x k eig adds {@link #denseEig(int)}; each coupling
     * dropped at a breakdown adds at most BREAKDOWN_TOLERANCE ||T|| &lt;= 3 BREAKDOWN_TOLERANCE ||F||.
     */
    static double lanczos(int d, int k, double breakdownTolerance) {
        return 2 * (Math.sqrt(k) * (gamma(d) + gamma(4 * k)) + denseEig(k)) + 3 * breakdownTolerance;
    }

    /**
     * Bound on ||F u_k - lambda_k u_k|| for the k-th pair (k from 0) the Gram trick finds for
     * F = G G^T / N (D x D, N per-example vectors), evaluated through the Gram operator
     * (F x = G (G^T x) / N), with {@code trace} = trace(F) and {@code lambda0} the largest eigenvalue.
     * Derivation as in {@code GramEigenProperties}: forming K = G^T G / N, its N x N eig and the
     * lift carry eta = (gamma_{D+1} + denseEig(N) + N gamma_N) trace(F), which the lift turns into
     * sqrt(lambda_0 / lambda_k) eta, once for the pair and once per earlier vector it is
     * orthogonalised against; evaluating F u through G adds (gamma_D + gamma_N) trace(F) and the
     * subtraction u lambda_k.
     */
    public static double gramPairResidual(int d, int n, double trace, double lambda0, double lambdaK, int k) {
        double eta = (gamma(d + 1) + denseEig(n) + n * gamma(n)) * trace;
        double evaluation = (gamma(d) + gamma(n) + U) * trace;
        return (k + 2) * Math.sqrt(lambda0 / lambdaK) * eta + evaluation;
    }

    /** ||A||_F. */
    static double frobenius(DMatrixRMaj a) {
        double s = 0;
        for (int i = 0; i < a.getNumElements(); i++) {
            s += a.data[i] * a.data[i];
        }
        return Math.sqrt(s);
    }
}
