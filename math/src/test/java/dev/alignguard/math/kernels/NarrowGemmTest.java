package dev.alignguard.math.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * VectorKernels computes a narrow C (n up to a quarter of the micro-tile, LoRA's rank) through its
 * transpose; each element must keep the bits of the direct route. The direct route's bits are
 * those of the same columns inside a wide product (an element does not depend on other columns).
 */
class NarrowGemmTest {

    @Test
    void narrowProductsEqualTheirColumnsOfAWideProduct() {
        Random rnd = new Random(21);
        int wide = 3 * VectorKernels.NR;
        for (int threads = 1; threads <= 2; threads++) {
            VectorKernels vk = new VectorKernels(threads);
            for (int n : new int[] {1, 2, 5, 8}) {
                for (int[] mk : new int[][] {{9, 1}, {37, 33}, {1024, 128}, {128, 1024}, {300, 257}}) {
                    int m = mk[0], k = mk[1];
                    for (boolean ta : new boolean[] {false, true}) {
                        for (boolean tb : new boolean[] {false, true}) {
                            for (float beta : new float[] {0f, 1f, 0.5f}) {
                                float[] a = random(rnd, m * k);
                                float[] bw = random(rnd, k * wide); // op(B) k x wide
                                float[] b = new float[k * n];       // its first n columns, stored as tb says
                                for (int p = 0; p < k; p++) {
                                    for (int j = 0; j < n; j++) {
                                        float x = tb ? bw[j * k + p] : bw[p * wide + j];
                                        b[tb ? j * k + p : p * n + j] = x;
                                    }
                                }
                                float[] cw = random(rnd, m * wide);
                                float[] c = new float[m * n];
                                for (int i = 0; i < m; i++) {
                                    System.arraycopy(cw, i * wide, c, i * n, n);
                                }
                                vk.gemm(ta, tb, m, wide, k, 1f, a, 0, ta ? m : k, bw, 0, tb ? k : wide, beta, cw, 0, wide);
                                vk.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
                                for (int i = 0; i < m; i++) {
                                    for (int j = 0; j < n; j++) {
                                        assertEquals(Float.floatToIntBits(cw[i * wide + j]), Float.floatToIntBits(c[i * n + j]),
                                            "C(" + i + "," + j + ") m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb
                                                + " beta=" + beta + " threads=" + threads);
                                    }
                                }
                            }
                        }
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
