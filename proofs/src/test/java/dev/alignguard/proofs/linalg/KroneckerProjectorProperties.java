package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.Vec;
import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.math.projection.SelectionRule;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Random K-FAC projectors: layer shapes d_out x d_in with each side in [1, 8] (so 1 x n, n x 1 and
 * non-square shapes all occur; jqwik's edge cases include 1), factors S and A random second moments
 * B B^T / k (often rank-deficient, so zero products and ties occur), and a selection rule supplied
 * by the subclass.
 */
abstract class KroneckerProjectorProperties implements ProjectorLaws<KroneckerProjector> {

    /** The selection rule for a layer of D weights. */
    abstract Arbitrary<SelectionRule> rules(int d);

    @Override
    public Arbitrary<KroneckerProjector> projectors() {
        Arbitrary<Integer> side = Arbitraries.integers().between(1, 8);
        return Combinators.combine(side, side).as((dOut, dIn) -> new int[] {dOut, dIn})
                .flatMap(shape -> Combinators.combine(rules(shape[0] * shape[1]), Gaussians.seeds()).as((rule, seed) -> {
                    Random rng = new Random(seed);
                    return KroneckerProjector.fromFactors(Gaussians.secondMoment(rng, shape[0]),
                            Gaussians.secondMoment(rng, shape[1]), rule);
                }));
    }

    @Override
    public double[] rangeElement(KroneckerProjector p, Random rng) {
        double[] v = new double[p.dim()];
        for (int k = 0; k < p.rank(); k++) {
            Vec.axpy(rng.nextGaussian(), p.keptVector(k), v);
        }
        return v;
    }
}
