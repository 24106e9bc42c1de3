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
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The fused SwiGLU gate {@code silu(gate) * up} ({@link NeuralOps#swiglu}) has the bits of its
 * two-op composition ({@link NeuralOps#swigluReference}) in its value and in both gradients,
 * whichever of the two inputs train, with gradients already in their buffers (ops recorded after it
 * run their backward first), on the scalar and the vector backend (1-3 threads, sizes off the
 * vector width) and on a checked pooled graph; inputs hold exact zeros, -0 and values whose
 * products underflow. Its backward agrees with finite differences.
 */
class SwigluProperties {

    /** Shape; which inputs train (bit 0: gate, bit 1: up). */
    record Case(int rows, int cols, int trains, long seed) {
    }

    @Test
    void fusedHasTheCompositionsBits() {
        Laws.qt(40).forAll(integers().between(1, 12), integers().between(1, 40), integers().between(1, 3),
            Gaussians.seeds())
            .checkAssert((rows, cols, trains, seed) -> FusedBits.assertSameBits(
                (kernels, fused, pooled) -> run(new Case(rows, cols, trains, seed), kernels, fused, pooled),
                new Case(rows, cols, trains, seed)));
    }

    /** The value, then each input's gradient (null where it does not train). */
    private static List<float[]> run(Case c, Kernels kernels, boolean fusedOp, boolean pooled) {
        Random rnd = new Random(c.seed());
        int n = c.rows() * c.cols();
        Tensor gate = Tensor.of(c.rows(), c.cols(), values(rnd, n));
        Tensor up = Tensor.of(c.rows(), c.cols(), values(rnd, n));
        gate.setRequiresGrad((c.trains() & 1) != 0);
        up.setRequiresGrad((c.trains() & 2) != 0);
        Tensor projection = Tensor.of(c.rows(), c.cols(), values(rnd, n));
        Tensor later = Tensor.of(c.rows(), c.cols(), values(rnd, n));
        List<float[]> result = new ArrayList<>();
        try (Graph g = pooled ? Graph.training(kernels, BufferPool.checked()) : Graph.training(kernels)) {
            Tensor y = fusedOp ? NeuralOps.swiglu(g, gate, up) : NeuralOps.swigluReference(g, gate, up);
            result.add(y.data().clone());
            // recorded after the gate, so their backward fills both gradients before the gate's runs
            Tensor loss = MatrixOps.add(g, MatrixOps.frobeniusDot(g, y, projection),
                MatrixOps.add(g, MatrixOps.frobeniusDot(g, gate, later), MatrixOps.frobeniusDot(g, up, later)));
            if (loss.requiresGrad()) {
                g.backward(loss);
            }
        }
        result.add(gate.requiresGrad() ? gate.grad().clone() : null);
        result.add(up.requiresGrad() ? up.grad().clone() : null);
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
                default -> (float) rnd.nextGaussian() * 3f;
            };
        }
        return v;
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Laws.qt(20).forAll(integers().between(1, 5), integers().between(1, 7), Gaussians.seeds())
            .checkAssert((rows, cols, seed) -> {
                Random rnd = new Random(seed);
                Tensor gate = GradientCheck.randomParameter("gate", rows, cols, rnd, 1);
                Tensor up = GradientCheck.randomParameter("up", rows, cols, rnd, 1);
                assertNull(GradientCheck.check(g -> MatrixOps.frobeniusDot(g, NeuralOps.swiglu(g, gate, up),
                    Tensor.of(rows, cols, values(new Random(seed + 1), rows * cols))), List.of(gate, up), 64, seed));
            });
    }
}
