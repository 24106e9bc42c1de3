package dev.alignguard.proofs.gen;

import java.util.Random;

import dev.alignguard.math.projection.MaskProjector;
import dev.alignguard.math.projection.SelectionRule;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/** Diagonal-Fisher coordinate masks (the EWC-style "top m" of a diagonal). */
public final class CoordinateMasks {

    private CoordinateMasks() {
    }

    /**
     * Masks of D in [1, maxDim] weights: a diagonal of squared Gaussians with about a quarter of the
     * entries exactly 0 (dead weights; ties), selected by rank m in [0, D] or by an energy fraction
     * in (0, 1]. D and the rule's kind are raw draws (shrinking toward D = 1, by rank).
     */
    public static Gen<MaskProjector> maskProjectors(int maxDim) {
        return SourceDSL.integers().between(1, maxDim).flatMap(d -> Gaussians.seeds().zip(SourceDSL.booleans().all(),
            (seed, byEnergy) -> {
                Random rng = new Random(seed);
                double[] diag = new double[d];
                for (int k = 0; k < d; k++) {
                    double g = rng.nextGaussian();
                    diag[k] = rng.nextInt(4) == 0 ? 0 : g * g;
                }
                SelectionRule rule = byEnergy ? SelectionRule.energy(1 - rng.nextDouble()) : SelectionRule.rank(rng.nextInt(d + 1));
                return MaskProjector.fromDiagonal(diag, rule);
            }));
    }
}
