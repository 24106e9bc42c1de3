package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.Vec;
import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.proofs.gen.OrthonormalBases;
import java.util.Random;
import org.quicktheories.core.Gen;

/** Projector laws for P = U U^T with a Haar-random orthonormal U (D x m), D in [1, 40], m in [0, D]. */
class BasisProjectorProperties implements ProjectorLaws<BasisProjector> {

    @Override
    public Gen<BasisProjector> projectors() {
        return OrthonormalBases.basisProjectors(40);
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
