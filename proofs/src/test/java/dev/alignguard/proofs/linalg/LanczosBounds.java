package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.Lanczos;
import dev.alignguard.math.linalg.SymmetricOperator;
import org.ejml.data.DMatrixRMaj;

/**
 * Shared bounds for the two Lanczos suites. Lanczos need not converge within its Krylov budget on
 * an arbitrary spectrum, so the law checked is that the <em>reported</em> Ritz residuals are
 * honest: the true residual exceeds the reported one by at most the rounding of the Lanczos
 * relation ({@link Rounding#lanczos}), plus the error of the operator's own products
 * ({@code opError}, relative to ||F||_F) over sqrt(steps) columns, plus evaluating the residual.
 */
final class LanczosBounds {

    private LanczosBounds() {
    }

    static EigenSolverLaws.Solved solved(String what, DMatrixRMaj f, SymmetricOperator op, int m, long seed, double opError) {
        Lanczos.Result r = Lanczos.top(op, m, Lanczos.Options.defaults().withSeed(seed));
        int d = f.numRows;
        int k = r.steps();
        double[] bound = residualBounds(f, r, opError);
        // X = Q Y: Q orthonormal to k gamma_D (two sweeps), Y to denseEig(k), the product adds sqrt(k) gamma_k
        double ortho = 2 * (k * Rounding.gamma(d) + Rounding.denseEig(k) + Math.sqrt(k) * Rounding.gamma(k));
        return new EigenSolverLaws.Solved(what + ", m = " + m + ", " + k + " steps, converged " + r.converged(),
            f, r.pairs(), bound, ortho);
    }

    /** Reported Ritz residual plus the class comment's slack, per pair (absolute). */
    static double[] residualBounds(DMatrixRMaj f, Lanczos.Result r, double opError) {
        int d = f.numRows;
        int k = r.steps();
        double slack = (Rounding.lanczos(d, k, Lanczos.BREAKDOWN_TOLERANCE) + Math.sqrt(k) * opError
            + Rounding.residualEvaluation(d)) * Rounding.frobenius(f);
        double[] bound = r.residuals();
        for (int i = 0; i < bound.length; i++) {
            bound[i] += slack;
        }
        return bound;
    }
}
