package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.Random;

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
            .checkAssert((rows, cols, trains,
                          seed) -> FusedBits.assertSameBits(
                              (kernels, fused,
                               pooled) -> FusedBits.runTwoInputOp((g, gate, up, fusedOp) -> fusedOp ? NeuralOps.swiglu(g, gate, up)
                                   : NeuralOps.swigluReference(g, gate, up), rows, cols, trains, seed, kernels, fused, pooled),
                              new Case(rows, cols, trains, seed)));
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Laws.qt(20).forAll(integers().between(1, 5), integers().between(1, 7), Gaussians.seeds())
            .checkAssert((rows, cols, seed) -> {
                Random rnd = new Random(seed);
                Tensor gate = GradientCheck.randomParameter("gate", rows, cols, rnd, 1);
                Tensor up = GradientCheck.randomParameter("up", rows, cols, rnd, 1);
                assertNull(GradientCheck.check(g -> MatrixOps.frobeniusDot(g, NeuralOps.swiglu(g, gate, up),
                    Tensor.of(rows, cols, FusedBits.edgeValues(new Random(seed + 1), rows * cols))), List.of(gate, up), 64, seed));
            });
    }
}
