package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.SymmetricEigen;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.ejml.data.DMatrixRMaj;

/**
 * Eigen-solver laws for the dense EJML decomposition on Gaussian symmetric (indefinite) matrices,
 * D in [1, 30]. Backward stability gives every pair the same bound:
 * ||F u - lambda u|| = ||E u|| &lt;= denseEig(D) ||F||_F, plus the error of evaluating the residual.
 */
class SymmetricEigenProperties implements EigenSolverLaws {

    @Override
    public Arbitrary<Solved> problems() {
        return Combinators.combine(Arbitraries.integers().between(1, 30), Gaussians.seeds()).as((d, seed) -> {
            DMatrixRMaj f = Gaussians.symmetric(new Random(seed), d);
            EigenPairs pairs = SymmetricEigen.all(f);
            double[] bound = new double[pairs.count()];
            Arrays.fill(bound, (Rounding.denseEig(d) + Rounding.residualEvaluation(d)) * Rounding.frobenius(f));
            return new Solved("SymmetricEigen.all, Gaussian symmetric " + d + " x " + d, f, pairs, bound, Rounding.denseEig(d));
        });
    }
}
