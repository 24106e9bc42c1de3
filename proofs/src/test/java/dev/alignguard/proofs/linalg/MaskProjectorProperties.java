package dev.alignguard.proofs.linalg;

import dev.alignguard.math.projection.MaskProjector;
import dev.alignguard.proofs.gen.CoordinateMasks;
import java.util.Random;
import org.quicktheories.core.Gen;

/**
 * Projector laws for diagonal-Fisher coordinate masks: D in [1, 60], a diagonal of squared
 * Gaussians with about a quarter of the entries exactly 0 (dead weights; ties), selected by rank
 * or by energy.
 */
class MaskProjectorProperties implements ProjectorLaws<MaskProjector> {

    @Override
    public Gen<MaskProjector> projectors() {
        return CoordinateMasks.maskProjectors(60);
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
