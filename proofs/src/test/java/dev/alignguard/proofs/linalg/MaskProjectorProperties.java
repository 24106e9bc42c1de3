package dev.alignguard.proofs.linalg;

import dev.alignguard.math.projection.MaskProjector;
import dev.alignguard.math.projection.SelectionRule;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Projector laws for diagonal-Fisher coordinate masks: D in [1, 60], a diagonal of squared
 * Gaussians with about a quarter of the entries exactly 0 (dead weights; ties), selected by rank
 * or by energy.
 */
class MaskProjectorProperties implements ProjectorLaws<MaskProjector> {

    @Override
    public Arbitrary<MaskProjector> projectors() {
        return Arbitraries.integers().between(1, 60).flatMap(d -> Combinators.combine(Gaussians.seeds(), Arbitraries.of(true, false))
                .as((seed, byRank) -> {
                    Random rng = new Random(seed);
                    double[] diag = new double[d];
                    for (int k = 0; k < d; k++) {
                        double g = rng.nextGaussian();
                        diag[k] = rng.nextInt(4) == 0 ? 0 : g * g;
                    }
                    SelectionRule rule = byRank ? SelectionRule.rank(rng.nextInt(d + 1)) : SelectionRule.energy(1 - rng.nextDouble());
                    return MaskProjector.fromDiagonal(diag, rule);
                }));
    }

    @Override
    public double[] rangeElement(MaskProjector p, Random rng) {
        double[] v = new double[p.dim()];
        for (int k : p.keptCoordinates()) {
            v[k] = rng.nextGaussian();
        }
        return v;
    }
}
