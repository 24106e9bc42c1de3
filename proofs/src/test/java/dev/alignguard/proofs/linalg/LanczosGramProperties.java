package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.GramOperator;
import dev.alignguard.math.linalg.Vec;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.ejml.data.DMatrixRMaj;

/**
 * Eigen-solver laws for Lanczos on the matrix-free Gram operator F x = G (G^T x) / N: D in [1, 40],
 * N in [1, 10] decaying per-example vectors, m in [1, min(D, 4)]. rank(F) &lt;= N is often below m
 * or below the Krylov dimension, which exercises the breakdown-and-restart path.
 */
class LanczosGramProperties implements EigenSolverLaws {

    @Override
    public Arbitrary<Solved> problems() {
        return Combinators.combine(Arbitraries.integers().between(1, 40), Arbitraries.integers().between(1, 10))
                .as((d, n) -> new int[] {d, n})
                .flatMap(dn -> Combinators.combine(Arbitraries.integers().between(1, Math.min(dn[0], 4)), Gaussians.seeds())
                        .as((m, seed) -> {
                            int d = dn[0];
                            int n = dn[1];
                            Random rng = new Random(seed);
                            double decay = 1.5 * rng.nextDouble();
                            double[][] g = new double[n][];
                            for (int i = 0; i < n; i++) {
                                g[i] = Gaussians.vector(rng, d);
                                Vec.scale(Math.exp(-decay * i), g[i]);
                            }
                            DMatrixRMaj f = Gaussians.gramFisher(g);
                            // G (G^T x) / N: N dot products of length D, then an N-term combination;
                            // error (gamma_D + gamma_N) trace(F) ||x||, and trace(F) <= sqrt(N) ||F||_F (rank <= N)
                            double opError = (Rounding.gamma(d) + Rounding.gamma(n)) * Math.sqrt(n);
                            return LanczosBounds.solved("Lanczos, GramOperator D = " + d + ", N = " + n, f, new GramOperator(g),
                                    m, seed, opError);
                        }));
    }
}
