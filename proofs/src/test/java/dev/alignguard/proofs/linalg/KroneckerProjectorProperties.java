package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.Vec;
import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.proofs.gen.KroneckerFactors;
import java.util.Random;
import org.quicktheories.core.Gen;

/**
 * Random K-FAC projectors: layer shapes d_out x d_in with each side in [1, 8] (so 1 x n, n x 1 and
 * non-square shapes all occur; QuickTheories tries the smallest and the largest shape first), factors
 * S and A random second moments B B^T / k (often rank-deficient, so zero products and ties occur),
 * and a selection rule supplied by the subclass.
 */
abstract class KroneckerProjectorProperties implements ProjectorLaws<KroneckerProjector> {

    /** The selection rule for a layer of D weights. */
    abstract Gen<SelectionRule> rules(int d);

    @Override
    public Gen<KroneckerProjector> projectors() {
        return KroneckerFactors.projectors(8, this::rules);
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
