package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.Vec;
import dev.alignguard.math.projection.BasisProjector;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Projector laws for P = U U^T with a Haar-random orthonormal U (D x m), D in [1, 40], m in [0, D]. */
class BasisProjectorProperties implements ProjectorLaws<BasisProjector> {

    @Override
    public Arbitrary<BasisProjector> projectors() {
        Arbitrary<Integer> dims = Arbitraries.integers().between(1, 40);
        return dims.flatMap(d -> Combinators.combine(Arbitraries.integers().between(0, d), Gaussians.seeds())
                .as((m, seed) -> BasisProjector.of(d, Gaussians.orthonormal(new Random(seed), d, m))));
    }

    @Override
    public double[] rangeElement(BasisProjector p, Random rng) {
        double[][] u = p.basis();
        double[] v = new double[p.dim()];
        for (double[] col : u) {
            Vec.axpy(rng.nextGaussian(), col, v);
        }
        return v;
    }
}
