package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.GramOperator;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.SymmetricMatrices;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Eigen-solver laws for Lanczos on the matrix-free Gram operator F x = G (G^T x) / N: D in [1, 40],
 * N in [1, 10] decaying per-example vectors, m in [1, min(D, 4)]. rank(F) &lt;= N is often below m
 * or below the Krylov dimension, which exercises the breakdown-and-restart path.
 */
class LanczosGramProperties implements EigenSolverLaws {

    @Override
    public Gen<Solved> problems() {
        return SourceDSL.integers().between(1, 40).zip(SourceDSL.integers().between(1, 10), (d, n) -> new int[] {d, n})
            .flatMap(dn -> SourceDSL.integers().between(1, Math.min(dn[0], 4)).zip(Gaussians.seeds(), (m, seed) -> {
                int d = dn[0];
                int n = dn[1];
                double[][] g = SymmetricMatrices.decayingExamples(new Random(seed), d, n);
                DMatrixRMaj f = SymmetricMatrices.gramFisher(g);
                // G (G^T x) / N: N dot products of length D, then an N-term combination;
                // error (gamma_D + gamma_N) trace(F) ||x||, and trace(F) <= sqrt(N) ||F||_F (rank <= N)
                double opError = (Rounding.gamma(d) + Rounding.gamma(n)) * Math.sqrt(n);
                return LanczosBounds.solved("Lanczos, GramOperator D = " + d + ", N = " + n, f, new GramOperator(g),
                    m, seed, opError);
            }));
    }
}
