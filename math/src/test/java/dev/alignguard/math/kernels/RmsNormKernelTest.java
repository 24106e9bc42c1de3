package dev.alignguard.math.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * VectorKernels' RMSNorm (rows over threads, dw a vector of columns at a time) gives the bits of
 * the reference loops (Kernels' defaults, which ScalarKernels runs) on 1-3 threads, forward and
 * backward, with and without either gradient; and the backward matches central finite
 * differences of {@code L = sum(y * g)} in double.
 */
class RmsNormKernelTest {

    @Test
    void vectorRowsHaveTheReferenceBits() {
        Random rnd = new Random(41);
        for (int threads = 1; threads <= 3; threads++) {
            VectorKernels vk = new VectorKernels(threads);
            for (int[] nc : new int[][] {{1, 1}, {3, 17}, {1024, 128}, {130, 344}, {65, 40}}) {
                int n = nc[0], c = nc[1];
                float[] x = random(rnd, n * c), w = random(rnd, c), dy = random(rnd, n * c);
                float[] y1 = new float[n * c], y2 = new float[n * c], inv1 = new float[n], inv2 = new float[n];
                ScalarKernels.INSTANCE.rmsNorm(n, c, x, w, 1e-5f, y1, inv1);
                vk.rmsNorm(n, c, x, w, 1e-5f, y2, inv2);
                assertArrayEquals(y1, y2);
                assertArrayEquals(inv1, inv2);
                for (int mode = 0; mode < 3; mode++) {
                    float[] dx1 = mode == 1 ? null : random(rnd, n * c), dw1 = mode == 2 ? null : random(rnd, c);
                    float[] dx2 = dx1 == null ? null : dx1.clone(), dw2 = dw1 == null ? null : dw1.clone();
                    ScalarKernels.INSTANCE.rmsNormBackward(n, c, x, w, inv1, dy, dx1, dw1);
                    vk.rmsNormBackward(n, c, x, w, inv1, dy, dx2, dw2);
                    assertArrayEquals(dx1, dx2, "dx n=" + n + " c=" + c + " threads=" + threads);
                    assertArrayEquals(dw1, dw2, "dw n=" + n + " c=" + c + " threads=" + threads);
                }
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random rnd = new Random(42);
        int n = 3, c = 7;
        float eps = 1e-5f;
        float[] x = random(rnd, n * c), w = random(rnd, c), g = random(rnd, n * c);
        float[] dx = new float[n * c], dw = new float[c], inv = new float[n], y = new float[n * c];
        VectorKernels vk = new VectorKernels(2);
        vk.rmsNorm(n, c, x, w, eps, y, inv);
        vk.rmsNormBackward(n, c, x, w, inv, g, dx, dw);
        double h = 1e-4;
        for (int i = 0; i < n * c; i++) {
            double num = (loss(x, w, g, n, c, eps, i, h, -1) - loss(x, w, g, n, c, eps, i, -h, -1)) / (2 * h);
            assertTrue(Math.abs(num - dx[i]) <= 1e-4 * (1 + Math.abs(num)), "dx[" + i + "] " + dx[i] + " vs " + num);
        }
        for (int j = 0; j < c; j++) {
            double num = (loss(x, w, g, n, c, eps, -1, h, j) - loss(x, w, g, n, c, eps, -1, -h, j)) / (2 * h);
            assertTrue(Math.abs(num - dw[j]) <= 1e-4 * (1 + Math.abs(num)), "dw[" + j + "] " + dw[j] + " vs " + num);
        }
    }

    /** {@code sum(rmsnorm(x, w) * g)} in double, with x[xi] or w[wj] shifted by h. */
    private static double loss(float[] x, float[] w, float[] g, int n, int c, float eps, int xi, double h, int wj) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double ms = 0;
            for (int j = 0; j < c; j++) {
                double v = x[i * c + j] + (i * c + j == xi ? h : 0);
                ms += v * v;
            }
            double r = 1 / Math.sqrt(ms / c + eps);
            for (int j = 0; j < c; j++) {
                double v = x[i * c + j] + (i * c + j == xi ? h : 0);
                double wv = w[j] + (j == wj ? h : 0);
                total += v * r * wv * g[i * c + j];
            }
        }
        return total;
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = 2 * rnd.nextFloat() - 1;
        }
        return x;
    }
}
