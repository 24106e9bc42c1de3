package dev.alignguard.math.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * VectorKernels' cross-entropy rows (blocks of rows over the threads) give the bits of the
 * reference loops (Kernels' defaults, which ScalarKernels runs) on 1-3 threads, with and without a
 * mask, forward (probabilities and per-row terms) and backward; unscored rows are left alone.
 */
class CrossEntropyRowsTest {

    @Test
    void vectorRowsHaveTheReferenceBits() {
        Random rnd = new Random(45);
        for (int threads = 1; threads <= 3; threads++) {
            VectorKernels vk = new VectorKernels(threads);
            for (int[] nv : new int[][] {{1, 1}, {3, 17}, {1024, 256}, {130, 300}, {65, 5000}}) {
                int n = nv[0], v = nv[1];
                float[] logits = new float[n * v];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = (float) (3 * rnd.nextGaussian());
                }
                int[] targets = new int[n];
                boolean[] mask = new boolean[n];
                for (int i = 0; i < n; i++) {
                    targets[i] = rnd.nextInt(v);
                    mask[i] = i % 3 != 1;
                }
                for (boolean[] m : new boolean[][] {null, mask}) {
                    float[] p1 = new float[n * v], p2 = new float[n * v];
                    double[] t1 = new double[n], t2 = new double[n];
                    java.util.Arrays.fill(t1, -7);
                    java.util.Arrays.fill(t2, -7);
                    ScalarKernels.INSTANCE.crossEntropyRows(n, v, logits, targets, m, p1, t1);
                    vk.crossEntropyRows(n, v, logits, targets, m, p2, t2);
                    String where = "n=" + n + " v=" + v + " masked=" + (m != null) + " threads=" + threads;
                    assertArrayEquals(p1, p2, "probabilities " + where);
                    assertArrayEquals(t1, t2, "terms " + where);
                    float[] d1 = new float[n * v], d2 = new float[n * v];
                    for (int i = 0; i < d1.length; i++) {
                        d1[i] = d2[i] = (float) rnd.nextGaussian();
                    }
                    ScalarKernels.INSTANCE.crossEntropyRowsBackward(n, v, p1, targets, m, 0.37f, d1);
                    vk.crossEntropyRowsBackward(n, v, p1, targets, m, 0.37f, d2);
                    assertArrayEquals(d1, d2, "gradient " + where);
                }
            }
        }
    }
}
