package dev.alignguard.math.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Smoke checks of the Vector API backend; the full agreement suite is in the proofs module. */
class VectorKernelsTest {

    private static final VectorKernels ONE = new VectorKernels(1);
    private static final VectorKernels TWO = new VectorKernels(2);
    private static final VectorKernels THREE = new VectorKernels(3);

    @Test
    void gemmMatchesReferenceOnAnEdgeHeavyShape() {
        Random rnd = new Random(7);
        int m = 37, n = 45, k = 300; // k spans two KC slices; m, n are not tile multiples
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = random(rnd, m * k), b = random(rnd, k * n);
                float[] c1 = random(rnd, m * n), c2 = c1.clone();
                ScalarKernels.INSTANCE.gemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 2f, c1, 0, n);
                TWO.gemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 2f, c2, 0, n);
                for (int i = 0; i < c1.length; i++) {
                    assertEquals(c1[i], c2[i], 1e-3f, "element " + i + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }

    /** Edge shapes around the 12 x 32 micro-tile and the 256-deep slices, every transpose, alpha and beta case. */
    @Test
    void gemmMatchesReferenceOnEdgeShapes() {
        Random rnd = new Random(3);
        int[] sizes = {1, 3, 7, 12, 17, 33, 129};
        int[] depths = {1, 7, 33, 256, 257, 600};
        float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {-0.5f, 0.25f}};
        int cases = 0;
        for (int m : sizes) {
            for (int n : sizes) {
                for (int k : depths) {
                    if ((long) m * n * k > 3_000_000) {
                        continue;
                    }
                    boolean ta = ((m + n + k) & 1) == 1, tb = ((m + 2 * n + k) & 2) == 2;
                    float[] ab = alphaBeta[cases % alphaBeta.length];
                    check(rnd, ta, tb, m, n, k, ab[0], ab[1], cases % 2 == 0 ? TWO : ONE);
                    cases++;
                }
            }
        }
        assertTrue(cases > 200);
    }

    @Test
    void gemmMatchesReferenceForAllTransposesOnALargerShape() {
        Random rnd = new Random(5);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                check(rnd, ta, tb, 129, 161, 520, 1.5f, -1f, TWO);
            }
        }
    }

    /** Offsets and leading dimensions wider than the rows: only the described slice is read or written. */
    @Test
    void gemmRespectsOffsetsAndLeadingDimensions() {
        Random rnd = new Random(9);
        int m = 29, n = 70, k = 45;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                int lda = (ta ? m : k) + 5, ldb = (tb ? k : n) + 3, ldc = n + 11;
                int aOff = 7, bOff = 13, cOff = 17;
                float[] a = random(rnd, aOff + (ta ? k : m) * lda), b = random(rnd, bOff + (tb ? n : k) * ldb);
                float[] c1 = random(rnd, cOff + m * ldc + 9), c2 = c1.clone();
                ScalarKernels.INSTANCE.gemm(ta, tb, m, n, k, 0.75f, a, aOff, lda, b, bOff, ldb, 0.5f, c1, cOff, ldc);
                TWO.gemm(ta, tb, m, n, k, 0.75f, a, aOff, lda, b, bOff, ldb, 0.5f, c2, cOff, ldc);
                for (int i = 0; i < c1.length; i++) {
                    assertEquals(c1[i], c2[i], 1e-3f, "element " + i + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }

    /** beta == 0 does not read C: NaN there must not propagate, on full and on edge micro-tiles. */
    @Test
    void gemmWithBetaZeroIgnoresGarbageInC() {
        Random rnd = new Random(13);
        for (int size : new int[] {5, 64, 131}) {
            float[] a = random(rnd, size * size), b = random(rnd, size * size);
            float[] want = new float[size * size], got = new float[size * size];
            Arrays.fill(got, Float.NaN);
            ScalarKernels.INSTANCE.matmul(false, false, size, size, size, a, b, want);
            TWO.matmul(false, false, size, size, size, a, b, got);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-3f, "n=" + size + " element " + i);
            }
        }
    }

    /** alpha == 0 or k == 0 only scales C by beta. */
    @Test
    void gemmWithNothingToMultiplyScalesC() {
        float[] c = {1f, 2f, 3f, 4f};
        TWO.gemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 3f, c, 0, 2);
        assertArrayEquals(new float[] {3f, 6f, 9f, 12f}, c);
        float[] nan = {Float.NaN, Float.NaN};
        TWO.gemm(false, false, 1, 2, 1, 0f, new float[] {1f}, 0, 1, new float[] {1f, 1f}, 0, 2, 0f, nan, 0, 2);
        assertArrayEquals(new float[] {0f, 0f}, nan);
    }

    @Test
    void gemmIsIdenticalWhateverTheThreadCount() {
        Random rnd = new Random(11);
        int m = 200, n = 150, k = 520;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = random(rnd, m * k), b = random(rnd, k * n);
                float[] c0 = random(rnd, m * n);
                float[] c1 = c0.clone(), c2 = c0.clone(), c3 = c0.clone();
                ONE.gemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.25f, c1, 0, n);
                TWO.gemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.25f, c2, 0, n);
                THREE.gemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.25f, c3, 0, n);
                assertArrayEquals(c1, c2);
                assertArrayEquals(c1, c3);
            }
        }
    }

    /** Many threads calling one backend at once (the pack buffers are per calling thread). */
    @Test
    void gemmIsSafeUnderConcurrentCallers() throws InterruptedException {
        int n = 220; // large enough for the parallel path
        Random rnd = new Random(17);
        float[] a = random(rnd, n * n), b = random(rnd, n * n), want = new float[n * n];
        ONE.matmul(false, false, n, n, n, a, b, want);
        Thread[] callers = new Thread[4];
        float[][] got = new float[callers.length][n * n];
        for (int t = 0; t < callers.length; t++) {
            int id = t;
            callers[t] = new Thread(() -> {
                for (int rep = 0; rep < 5; rep++) {
                    TWO.matmul(false, false, n, n, n, a, b, got[id]);
                }
            });
            callers[t].start();
        }
        for (Thread t : callers) {
            t.join();
        }
        for (float[] g : got) {
            assertArrayEquals(want, g);
        }
    }

    private static void check(Random rnd, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta,
                              VectorKernels backend) {
        float[] a = random(rnd, m * k), b = random(rnd, k * n);
        float[] c1 = random(rnd, m * n), c2 = c1.clone();
        ScalarKernels.INSTANCE.gemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c1, 0, n);
        backend.gemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c2, 0, n);
        float tol = 1e-4f * (float) Math.sqrt(k) * 10 + 1e-5f;
        for (int i = 0; i < c1.length; i++) {
            assertEquals(c1[i], c2[i], tol * (1 + Math.abs(c1[i])),
                "m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb + " element " + i);
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
