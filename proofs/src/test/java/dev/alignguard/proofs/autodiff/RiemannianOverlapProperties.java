package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.Random;

import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;
import dev.alignguard.training.objective.CollisionPenalties;
import org.junit.jupiter.api.Test;

/**
 * The fused Riemannian overlap {@code E_RM(dW_A, dW_T)} has the bits of its composition of nine
 * autodiff ops ({@link CollisionPenalties#riemannianOverlapReference}) in its value and in both
 * gradients, whichever of the two inputs train, with gradients already in their buffers (the ops
 * recorded after it run their backward first), on the scalar and the vector backend (1-3 threads,
 * sizes off the vector width) and on a checked pooled graph; inputs hold exact zeros, -0 and
 * values whose products underflow. Its backward agrees with finite differences.
 */
class RiemannianOverlapProperties {

    /** Shape; which inputs train (bit 0: dW_A, bit 1: dW_T); beta, tau, smoothing. */
    record Case(int rows, int cols, int trains, double beta, double tau, float smoothing, long seed) {
    }

    private static final float[] SMOOTHINGS = {1e-3f, 1e-2f, 0.5f};

    @Test
    void fusedHasTheCompositionsBits() {
        Laws.qt(40).forAll(integers().between(1, 12), integers().between(1, 40), integers().between(1, 3),
            Gaussians.seeds())
            .checkAssert((rows, cols, trains, seed) -> sameBits(new Case(rows, cols, trains,
                (seed & 1) == 0 ? 1.0 : 0.37, (seed % 5) / 10.0, SMOOTHINGS[(int) Math.floorMod(seed, 3L)], seed)));
    }

    private static void sameBits(Case c) {
        FusedBits.assertSameBits((kernels, fused, pooled) -> FusedBits.runTwoInputOp(
            (g, a, t, fusedOp) -> fusedOp
                ? CollisionPenalties.riemannianOverlap(g, a, t, c.beta(), c.tau(), c.smoothing())
                : CollisionPenalties.riemannianOverlapReference(g, a, t, c.beta(), c.tau(), c.smoothing()),
            c.rows(), c.cols(), c.trains(), c.seed(), kernels, fused, pooled), c);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Laws.qt(20).forAll(integers().between(1, 5), integers().between(1, 7), Gaussians.seeds())
            .checkAssert((rows, cols, seed) -> {
                Random rnd = new Random(seed);
                Tensor a = GradientCheck.randomParameter("dW_A", rows, cols, rnd, 1);
                Tensor t = GradientCheck.randomParameter("dW_T", rows, cols, rnd, 1);
                assertNull(GradientCheck.check(g -> CollisionPenalties.riemannianOverlap(g, a, t, 0.8, 0.3, 0.5f),
                    List.of(a, t), 64, seed));
            });
    }
}
