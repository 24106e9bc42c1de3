package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.SymmetricOperator;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.SymmetricMatrices;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Eigen-solver laws for Lanczos on a dense Gaussian symmetric (indefinite) operator, D in [1, 40],
 * m in [1, min(D, 4)], default Krylov dimension min(D, 2m + 20): small D runs to D steps (exact),
 * larger D stops short on a semicircle spectrum, so both converged and unconverged runs occur.
 */
class LanczosDenseProperties implements EigenSolverLaws {

    @Override
    public Gen<Solved> problems() {
        return SourceDSL.integers().between(1, 40).flatMap(d -> SourceDSL.integers().between(1, Math.min(d, 4))
            .zip(Gaussians.seeds(), (m, seed) -> {
                DMatrixRMaj f = SymmetricMatrices.gaussian(new Random(seed), d);
                // the dense product: one D-term dot product per entry, gamma_D relative to ||F||_F
                return LanczosBounds.solved("Lanczos, Gaussian symmetric " + d + " x " + d, f, SymmetricOperator.dense(f),
                    m, seed, Rounding.gamma(d));
            }));
    }
}
