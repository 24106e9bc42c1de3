package dev.alignguard.proofs.gen;

import java.util.Random;

import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.projection.BasisProjector;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/** Haar-random orthonormal bases, and the basis projectors P = U U^T they span. */
public final class OrthonormalBases {

    private OrthonormalBases() {
    }

    /** A Haar-random set of m orthonormal columns in R^d ({@code double[m][d]}). */
    public static double[][] orthonormal(Random rng, int d, int m) {
        return Orthonormalize.random(d, m, rng);
    }

    /**
     * P = U U^T with a Haar-random orthonormal U (D x m), D in [1, maxDim], m in [0, D]; D and m
     * are drawn as integer ranges, so a failure shrinks toward D = 1 and m = 0.
     */
    public static Gen<BasisProjector> basisProjectors(int maxDim) {
        return SourceDSL.integers().between(1, maxDim).flatMap(d -> SourceDSL.integers().between(0, d)
            .zip(Gaussians.seeds(), (m, seed) -> BasisProjector.of(d, orthonormal(new Random(seed), d, m))));
    }
}
