package dev.alignguard.math.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Tall products (many row blocks) take VectorKernels' one-round-per-slice path on several threads;
 * their bits must equal the one-thread path's, for every transpose, alpha and beta case, across
 * KC slices and edge tiles.
 */
class RowBlockGemmTest {

    @Test
    void tallProductsHaveTheBitsOfOneThread() {
        Random rnd = new Random(31);
        VectorKernels one = new VectorKernels(1);
        int[][] shapes = {{1024, 128, 128}, {1024, 344, 128}, {1031, 45, 300}, {600, 129, 520}, {1024, 256, 344}, {128, 128, 1024},
            {344, 128, 1024}, {1024, 520, 64}};
        float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {0.5f, -2f}};
        for (int threads = 2; threads <= 3; threads++) {
            VectorKernels many = new VectorKernels(threads);
            int cs = 0;
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        float[] ab = alphaBeta[cs++ % alphaBeta.length];
                        float[] a = random(rnd, m * k), b = random(rnd, k * n);
                        float[] c1 = random(rnd, m * n), c2 = c1.clone();
                        one.gemm(ta, tb, m, n, k, ab[0], a, 0, ta ? m : k, b, 0, tb ? k : n, ab[1], c1, 0, n);
                        many.gemm(ta, tb, m, n, k, ab[0], a, 0, ta ? m : k, b, 0, tb ? k : n, ab[1], c2, 0, n);
                        assertArrayEquals(c1, c2, "m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb
                            + " threads=" + threads);
                    }
                }
            }
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = 2 * rnd.nextFloat() - 1;
        }
        return x;
    }
}
