package dev.alignguard.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** Smoke checks of the Vector API backend; the full agreement suite is in the proofs module. */
class VectorKernelsTest {

    @Test
    void gemmMatchesReferenceOnAnEdgeHeavyShape() {
        Random rnd = new Random(7);
        int m = 37, n = 45, k = 300; // k spans two KC slices; m, n are not tile multiples
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = random(rnd, m * k), b = random(rnd, k * n);
                float[] c1 = random(rnd, m * n), c2 = c1.clone();
                ScalarKernels.INSTANCE.gemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 2f, c1, 0, n);
                new VectorKernels(2).gemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 2f, c2, 0, n);
                for (int i = 0; i < c1.length; i++) {
                    assertEquals(c1[i], c2[i], 1e-3f, "element " + i + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }

    @Test
    void gemmIsIdenticalWhateverTheThreadCount() {
        Random rnd = new Random(11);
        int m = 200, n = 150, k = 520;
        float[] a = random(rnd, m * k), b = random(rnd, k * n);
        float[] c1 = new float[m * n], c2 = new float[m * n];
        new VectorKernels(1).matmul(false, false, m, n, k, a, b, c1);
        new VectorKernels(3).matmul(false, false, m, n, k, a, b, c2);
        assertArrayEquals(c1, c2);
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
