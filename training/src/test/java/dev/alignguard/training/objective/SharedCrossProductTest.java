package dev.alignguard.training.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.model.autodiff.BufferPool;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The overlap diagnostic read from the subspace geodesic's {@code dW_A^T dW_T} has the bits of its
 * own product ({@link AlignGuardObjective#crossNorm2}), on a pooled graph whose buffers were used
 * before, and the geodesic given that product has the bits of the one that makes its own.
 */
class SharedCrossProductTest {

    @Test
    void geodesicsProductGivesTheDiagnosticsBits() {
        Random rnd = new Random(13);
        for (Kernels kernels : new Kernels[] {ScalarKernels.INSTANCE, new VectorKernels(1), new VectorKernels(2),
            new VectorKernels(3)}) {
            BufferPool pool = BufferPool.create();
            for (int[] shape : new int[][] {{1, 1}, {7, 5}, {128, 128}, {40, 131}}) {
                int rows = shape[0], cols = shape[1];
                Tensor a = random(rows, cols, rnd), t = random(rows, cols, rnd);
                try (Graph dirty = Graph.training(kernels, pool)) {   // leaves non-zero buffers in the pool
                    java.util.Arrays.fill(dirty.output(cols, cols).data(), 3f);
                }
                try (Graph g = Graph.training(kernels, pool)) {
                    Tensor cross = MatrixOps.matmul(g, a, true, t, false);
                    float shared = CollisionPenalties.subspaceGeodesic(g, a, t, cross, 1e-8f).item();
                    float own = CollisionPenalties.subspaceGeodesic(g, a, t, 1e-8f).item();
                    assertEquals(Float.floatToRawIntBits(own), Float.floatToRawIntBits(shared), kernels.name());
                    assertEquals(Double.doubleToRawLongBits(AlignGuardObjective.crossNorm2(g, a, t)),
                        Double.doubleToRawLongBits(AlignGuardObjective.squaredNorm(cross.data())),
                        kernels.name() + " " + rows + " x " + cols);
                }
            }
        }
    }

    private static Tensor random(int rows, int cols, Random rnd) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return Tensor.of(rows, cols, v);
    }
}
