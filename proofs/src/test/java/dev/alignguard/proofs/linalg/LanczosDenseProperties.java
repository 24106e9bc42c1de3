package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.SymmetricOperator;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.ejml.data.DMatrixRMaj;

/**
 * Eigen-solver laws for Lanczos on a dense Gaussian symmetric (indefinite) operator, D in [1, 40],
 * m in [1, min(D, 4)], default Krylov dimension min(D, 2m + 20): small D runs to D steps (exact),
 * larger D stops short on a semicircle spectrum, so both converged and unconverged runs occur.
 */
class LanczosDenseProperties implements EigenSolverLaws {

    @Override
    public Arbitrary<Solved> problems() {
        return Arbitraries.integers().between(1, 40).flatMap(d -> Combinators.combine(
                Arbitraries.integers().between(1, Math.min(d, 4)), Gaussians.seeds()).as((m, seed) -> {
                    DMatrixRMaj f = Gaussians.symmetric(new Random(seed), d);
                    // the dense product: one D-term dot product per entry, gamma_D relative to ||F||_F
                    return LanczosBounds.solved("Lanczos, Gaussian symmetric " + d + " x " + d, f, SymmetricOperator.dense(f),
                            m, seed, Rounding.gamma(d));
                }));
    }
}
