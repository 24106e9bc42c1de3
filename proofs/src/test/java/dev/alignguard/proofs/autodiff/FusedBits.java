package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.model.autodiff.BufferPool;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;

/**
 * The law every fused op states against its reference composition: the same bits, value and
 * gradients, on the scalar kernels and on the vector kernels with 1, 2 and 3 threads, in a plain
 * graph and in a pooled one.
 */
final class FusedBits {

    /** One evaluation of the op: its value, then its inputs' gradients (null where one does not train). */
    @FunctionalInterface
    interface Run {
        List<float[]> run(Kernels kernels, boolean fused, boolean pooled);
    }

    private FusedBits() {
    }

    /** An op of two same-shaped inputs, as the fused op ({@code fused}) or its reference composition. */
    @FunctionalInterface
    interface TwoInputOp {
        Tensor apply(Graph g, Tensor a, Tensor b, boolean fused);
    }

    /**
     * One {@link Run} of a two-input op on {@code rows x cols} inputs of {@link #edgeValues}, input a
     * training when bit 0 of {@code trains} is set and b when bit 1 is: the op's value, then a's and
     * b's gradients (null where one does not train) after a backward from
     * {@code <op(a, b), R> + <a, L> + <b, L>}, R and L of edge values too. The last two terms are
     * recorded after the op, so their backward fills both gradients before the op's runs.
     */
    static List<float[]> runTwoInputOp(TwoInputOp op, int rows, int cols, int trains, long seed, Kernels kernels,
                                       boolean fused, boolean pooled) {
        Random rnd = new Random(seed);
        int n = rows * cols;
        Tensor a = Tensor.of(rows, cols, edgeValues(rnd, n));
        Tensor b = Tensor.of(rows, cols, edgeValues(rnd, n));
        a.setRequiresGrad((trains & 1) != 0);
        b.setRequiresGrad((trains & 2) != 0);
        Tensor later = Tensor.of(rows, cols, edgeValues(rnd, n));
        List<float[]> result = new ArrayList<>();
        try (Graph g = pooled ? Graph.training(kernels, BufferPool.checked()) : Graph.training(kernels)) {
            Tensor y = op.apply(g, a, b, fused);
            result.add(y.data().clone());
            Tensor projection = Tensor.of(y.rows(), y.cols(), edgeValues(rnd, y.size()));
            Tensor loss = MatrixOps.add(g, MatrixOps.frobeniusDot(g, y, projection),
                MatrixOps.add(g, MatrixOps.frobeniusDot(g, a, later), MatrixOps.frobeniusDot(g, b, later)));
            if (loss.requiresGrad()) {
                g.backward(loss);
            }
        }
        result.add(a.requiresGrad() ? a.grad().clone() : null);
        result.add(b.requiresGrad() ? b.grad().clone() : null);
        return result;
    }

    /** Gaussians (scale 3) with exact zeros, -0, and values small enough that their products underflow. */
    static float[] edgeValues(Random rnd, int n) {
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

    static void assertSameBits(Run run, Object label) {
        for (Kernels kernels : List.of(ScalarKernels.INSTANCE, new VectorKernels(1), new VectorKernels(2), new VectorKernels(3))) {
            List<float[]> composed = run.run(kernels, false, false);
            List<float[]> fused = run.run(kernels, true, false), pooled = run.run(kernels, true, true);
            assertEquals(composed.size(), fused.size());
            for (int i = 0; i < composed.size(); i++) {
                assertArrayEquals(composed.get(i), fused.get(i), "array " + i + " of " + label + " on " + kernels.name());
                assertArrayEquals(composed.get(i), pooled.get(i), "pooled array " + i + " of " + label + " on " + kernels.name());
            }
        }
    }
}
