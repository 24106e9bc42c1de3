package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.SymmetricMatrices;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Eigen-solver laws for the Gram-form solver: D in [1, 30], N in [1, 12] per-example vectors
 * g_i = exp(-c i) z_i (z_i Gaussian, decay c in [0, 1.5), so spectra range from flat to steep and
 * rank(F) = min(D, N) is often below both).
 *
 * <p>Residual bound for pair k (first order, derived in GramEigen): K = G^T G / N carries an
 * error ||dK|| &lt;= gamma_{D+1} trace(K), the N x N eig a backward error denseEig(N) ||K||_F &lt;=
 * denseEig(N) trace(K), the lift sum_i v_i g_i another N gamma_N trace(K); call the sum eta. The
 * lift turns an error eta in K into sqrt(lambda_0 / lambda_k) eta in F u_k - lambda_k u_k (it
 * divides by sqrt(lambda_k) and multiplies by ||G|| / sqrt(N) = sqrt(lambda_0)), and the
 * Gram-Schmidt sweep against the k earlier vectors adds at most that again per earlier vector.
 * Hence (k + 2) sqrt(lambda_0 / lambda_k) eta, plus evaluating the residual on the explicit
 * F = G G^T / N (whose entries carry gamma_N relative error).
 */
class GramEigenProperties implements EigenSolverLaws {

    @Override
    public Gen<Solved> problems() {
        return SourceDSL.integers().between(1, 30).zip(SourceDSL.integers().between(1, 12), Gaussians.seeds(), (d, n, seed) -> {
            Random rng = new Random(seed);
            double[][] g = SymmetricMatrices.decayingExamples(rng, d, n);
            EigenPairs pairs = GramEigen.all(g);
            DMatrixRMaj f = SymmetricMatrices.gramFisher(g);
            double ortho = 4 * (pairs.count() + 1) * Rounding.gamma(d);
            return new Solved("GramEigen.all, D = " + d + ", N = " + n + ", seed " + seed, f, pairs,
                residualBounds(n, f, pairs), ortho);
        });
    }

    /** The class comment's bound on ||F u_k - lambda_k u_k|| for GramEigen's pairs of F = G G^T / N (f explicit). */
    static double[] residualBounds(int n, DMatrixRMaj f, EigenPairs pairs) {
        int d = f.numRows;
        double trace = CommonOps_DDRM.trace(f);
        double eta = (Rounding.gamma(d + 1) + Rounding.denseEig(n) + n * Rounding.gamma(n)) * trace;
        double evaluation = (Rounding.residualEvaluation(d) + Rounding.gamma(n)) * Rounding.frobenius(f);
        double[] bound = new double[pairs.count()];
        for (int k = 0; k < bound.length; k++) {
            bound[k] = (k + 2) * Math.sqrt(pairs.value(0) / pairs.value(k)) * eta + evaluation;
        }
        return bound;
    }
}
