package dev.alignguard.proofs.harness;

import dev.alignguard.math.linalg.Vec;
import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.math.projection.Projector;
import dev.alignguard.math.projection.ProjectorKind;

/**
 * A deliberately broken projector, for the tests of the harness and of {@code alignguard verify}
 * only: 1.001 U U^T when rank >= 3, U U^T otherwise, so it is idempotent only below rank 3 and a
 * working harness shrinks its counterexample to D = rank = 3.
 */
public record ScaledAboveRankTwo(BasisProjector inner) implements Projector {
    @Override
    public int dim() {
        return inner.dim();
    }

    @Override
    public int rank() {
        return inner.rank();
    }

    @Override
    public ProjectorKind kind() {
        return inner.kind();
    }

    @Override
    public void apply(double[] x, double[] out) {
        inner.apply(x, out);
        if (rank() >= 3) {
            Vec.scale(1.001, out);
        }
    }

    @Override
    public double capturedTraceFraction() {
        return inner.capturedTraceFraction();
    }

    @Override
    public double[] keptEigenvalues() {
        return inner.keptEigenvalues();
    }

    @Override
    public String toString() {
        return "ScaledAboveRankTwo[D=" + dim() + ", rank=" + rank() + "]";
    }
}
