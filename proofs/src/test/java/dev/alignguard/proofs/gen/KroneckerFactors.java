package dev.alignguard.proofs.gen;

import java.util.Random;
import java.util.function.IntFunction;

import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.math.projection.SelectionRule;
import org.ejml.data.DMatrixRMaj;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/** K-FAC factor pairs S (d_out x d_out) and A (d_in x d_in), and the Kronecker projectors they define. */
public final class KroneckerFactors {

    private KroneckerFactors() {
    }

    /** A layer shape {@code {dOut, dIn}}, each side in [1, maxSide] (drawn independently, so 1 x n, n x 1 and non-square all occur). */
    public static Gen<int[]> shapes(int maxSide) {
        Gen<Integer> side = SourceDSL.integers().between(1, maxSide);
        return side.zip(side, (dOut, dIn) -> new int[] {dOut, dIn});
    }

    /**
     * Random K-FAC projectors: shapes from {@link #shapes}, factors S and A random second moments
     * B B^T / k (often rank-deficient, so zero products and ties occur), and a selection rule for a
     * layer of D weights from {@code rules}.
     */
    public static Gen<KroneckerProjector> projectors(int maxSide, IntFunction<Gen<SelectionRule>> rules) {
        return shapes(maxSide).flatMap(shape -> rules.apply(shape[0] * shape[1]).zip(Gaussians.seeds(), (rule, seed) -> {
            Random rng = new Random(seed);
            return KroneckerProjector.fromFactors(SymmetricMatrices.secondMoment(rng, shape[0]),
                SymmetricMatrices.secondMoment(rng, shape[1]), rule);
        }));
    }

    /** Keep the top m products, m in [0, D]. */
    public static Gen<SelectionRule> byRank(int d) {
        return SourceDSL.integers().between(0, d).map(SelectionRule::rank);
    }

    /** Keep the fewest products reaching a fraction of trace(S) trace(A): fraction = 1 - U[0, 1) in (0, 1], from a seed. */
    public static Gen<SelectionRule> byEnergy(int d) {
        return Gaussians.seeds().map(seed -> SelectionRule.energy(1 - new Random(seed).nextDouble()));
    }

    /**
     * Factors with a guaranteed gap in every Kronecker product: Q diag(c base^-i) Q^T with Q
     * Haar-random and c = e^{N(0,1)}; with bases 2 (for S) and 3 (for A) the products
     * c_S c_A 2^-i 3^-j are distinct (see EigenAgreementProperties).
     */
    public static DMatrixRMaj gappedFactor(Random rng, int n, double base) {
        double c = Math.exp(rng.nextGaussian());
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = c * Math.pow(base, -i);
        }
        return SymmetricMatrices.fromSpectrum(n, values, OrthonormalBases.orthonormal(rng, n, n));
    }
}
