package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.BufferPool;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
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
        FusedBits.assertSameBits((kernels, fused, pooled) -> run(c, kernels, fused, pooled), c);
    }

    /** The value, then each input's gradient (null where it does not train). */
    private static List<float[]> run(Case c, Kernels kernels, boolean fusedOp, boolean pooled) {
        Random rnd = new Random(c.seed());
        int n = c.rows() * c.cols();
        Tensor a = Tensor.of(c.rows(), c.cols(), values(rnd, n));
        Tensor t = Tensor.of(c.rows(), c.cols(), values(rnd, n));
        a.setRequiresGrad((c.trains() & 1) != 0);
        t.setRequiresGrad((c.trains() & 2) != 0);
        Tensor later = Tensor.of(c.rows(), c.cols(), values(rnd, n));
        float upstream = rnd.nextInt(7) == 0 ? -0f : (float) rnd.nextGaussian();
        List<float[]> result = new ArrayList<>();
        try (Graph g = pooled ? Graph.training(kernels, BufferPool.checked()) : Graph.training(kernels)) {
            Tensor e = fusedOp
                ? CollisionPenalties.riemannianOverlap(g, a, t, c.beta(), c.tau(), c.smoothing())
                : CollisionPenalties.riemannianOverlapReference(g, a, t, c.beta(), c.tau(), c.smoothing());
            result.add(e.data().clone());
            // recorded after E_RM, so their backward fills both gradients before E_RM's runs
            Tensor loss = MatrixOps.add(g, MatrixOps.frobeniusDot(g, e, Tensor.of(1, 1, new float[] {upstream})),
                MatrixOps.add(g, MatrixOps.frobeniusDot(g, a, later), MatrixOps.frobeniusDot(g, t, later)));
            if (loss.requiresGrad()) {
                g.backward(loss);
            }
        }
        result.add(a.requiresGrad() ? a.grad().clone() : null);
        result.add(t.requiresGrad() ? t.grad().clone() : null);
        return result;
    }

    /** Gaussians with exact zeros, -0, and values small enough that their products underflow. */
    private static float[] values(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (rnd.nextInt(8)) {
                case 0 -> 0f;
                case 1 -> -0f;
                case 2 -> (float) rnd.nextGaussian() * 1e-30f;
                default -> (float) rnd.nextGaussian();
            };
        }
        return v;
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
