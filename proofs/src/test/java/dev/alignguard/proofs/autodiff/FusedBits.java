package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.VectorKernels;

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
