package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.SymmetricEigen;
import dev.alignguard.proofs.gen.SymmetricMatrices;
import java.util.Arrays;
import org.quicktheories.core.Gen;

/**
 * Eigen-solver laws for the dense EJML decomposition on Gaussian symmetric (indefinite) matrices,
 * D in [1, 30]. Backward stability gives every pair the same bound:
 * ||F u - lambda u|| = ||E u|| &lt;= denseEig(D) ||F||_F, plus the error of evaluating the residual.
 */
class SymmetricEigenProperties implements EigenSolverLaws {

    @Override
    public Gen<Solved> problems() {
        return SymmetricMatrices.gaussian(30).map(f -> {
            int d = f.numRows;
            EigenPairs pairs = SymmetricEigen.all(f);
            double[] bound = new double[pairs.count()];
            Arrays.fill(bound, (Rounding.denseEig(d) + Rounding.residualEvaluation(d)) * Rounding.frobenius(f));
            return new Solved("SymmetricEigen.all, Gaussian symmetric " + d + " x " + d, f, pairs, bound, Rounding.denseEig(d));
        });
    }
}
