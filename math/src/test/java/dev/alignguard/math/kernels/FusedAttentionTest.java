package dev.alignguard.math.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * {@link VectorKernels}'s fused attention gives the same bits as the reference composition
 * ({@link Kernels#causalAttention}'s default: gemm + softmaxRows) on the same backend, forward and
 * backward, on 1, 2 and 3 threads, over shapes around the vector width, grouped-query heads and
 * accumulating gradients; and it stays within float rounding of the scalar oracle.
 */
class FusedAttentionTest {

    /** VectorKernels' gemm and softmax without its attention override: the reference composition. */
    private static Kernels composed(VectorKernels v) {
        return new Kernels() {
            @Override
            public String name() {
                return "composed";
            }
            @Override
            public String device() {
                return v.device();
            }
            @Override
            public void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
                v.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
            @Override
            public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
                v.axpy(n, alpha, x, xOff, y, yOff);
            }
            @Override
            public void scale(int n, float alpha, float[] x, int xOff) {
                v.scale(n, alpha, x, xOff);
            }
            @Override
            public void add(int n, float[] x, int xOff, float[] y, int yOff, float[] o, int oOff) {
                v.add(n, x, xOff, y, yOff, o, oOff);
            }
            @Override
            public void mul(int n, float[] x, int xOff, float[] y, int yOff, float[] o, int oOff) {
                v.mul(n, x, xOff, y, yOff, o, oOff);
            }
            @Override
            public float sum(int n, float[] x, int xOff) {
                return v.sum(n, x, xOff);
            }
            @Override
            public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
                return v.dot(n, x, xOff, y, yOff);
            }
            @Override
            public float sumOfSquares(int n, float[] x, int xOff) {
                return v.sumOfSquares(n, x, xOff);
            }
            @Override
            public void softmaxRows(int rows, int cols, float[] x, int off, int ld, boolean causal) {
                v.softmaxRows(rows, cols, x, off, ld, causal);
            }
        };
    }

    /** batch, seq, heads, kvHeads, headDim. */
    private static final int[][] SHAPES = {
        {2, 32, 4, 4, 32}, {1, 1, 1, 1, 2}, {3, 17, 4, 2, 16}, {2, 40, 6, 3, 8}, {1, 33, 2, 1, 40}, {2, 9, 3, 3, 50}};

    @Test
    void fusedEqualsTheCompositionBitForBit() {
        Random rnd = new Random(11);
        for (int threads = 1; threads <= 3; threads++) {
            VectorKernels fused = new VectorKernels(threads);
            Kernels reference = composed(fused);
            for (int[] s : SHAPES) {
                check(rnd, s, fused, reference, true);
            }
        }
    }

    @Test
    void fusedStaysNearTheScalarOracle() {
        Random rnd = new Random(12);
        VectorKernels fused = new VectorKernels(2);
        for (int[] s : SHAPES) {
            check(rnd, s, fused, ScalarKernels.INSTANCE, false);
        }
    }

    private static void check(Random rnd, int[] s, Kernels fused, Kernels reference, boolean exact) {
        int b = s[0], t = s[1], h = s[2], kvh = s[3], hd = s[4];
        int rows = b * t;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] q = random(rnd, rows * h * hd), k = random(rnd, rows * kvh * hd), v = random(rnd, rows * kvh * hd);
        float[] dOut = random(rnd, rows * h * hd);
        float[] out1 = new float[rows * h * hd], out2 = new float[rows * h * hd];
        float[] p1 = new float[b * h * t * t], p2 = new float[b * h * t * t];
        fused.causalAttention(b, t, h, kvh, hd, scale, q, k, v, out1, p1);
        reference.causalAttention(b, t, h, kvh, hd, scale, q, k, v, out2, p2);
        same(p2, p1, exact, "probs " + java.util.Arrays.toString(s));
        same(out2, out1, exact, "out " + java.util.Arrays.toString(s));
        // gradients accumulate into non-zero buffers; one case leaves dk out
        float[] dq1 = random(rnd, q.length), dk1 = random(rnd, k.length), dv1 = random(rnd, v.length);
        float[] dq2 = dq1.clone(), dk2 = dk1.clone(), dv2 = dv1.clone();
        boolean withDk = t % 2 == 0;
        fused.causalAttentionBackward(b, t, h, kvh, hd, scale, q, k, v, p2, dOut, dq1, withDk ? dk1 : null, dv1);
        reference.causalAttentionBackward(b, t, h, kvh, hd, scale, q, k, v, p2, dOut, dq2, withDk ? dk2 : null, dv2);
        same(dq2, dq1, exact, "dq " + java.util.Arrays.toString(s));
        same(dk2, dk1, exact, "dk " + java.util.Arrays.toString(s));
        same(dv2, dv1, exact, "dv " + java.util.Arrays.toString(s));
    }

    private static void same(float[] expected, float[] actual, boolean exact, String what) {
        if (exact) {
            assertArrayEquals(expected, actual, what); // Float.equals: bit for bit (up to NaN payloads)
        } else {
            // the inputs are O(1) and every sum has at most max(seq, hd) <= 50 terms of O(1): a few
            // hundred float ulps of 1 bound the gap between two summation orders
            assertArrayEquals(expected, actual, 1e-4f, what);
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
