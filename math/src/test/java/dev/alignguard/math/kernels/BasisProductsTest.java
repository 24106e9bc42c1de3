package dev.alignguard.math.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * VectorKernels' basis products (dots by groups of four rows over the threads, combinations by
 * ranges of elements over the threads) give the bits of the reference ({@code Vec}, which
 * ScalarKernels runs) on 1-3 threads, at sizes above and below the parallel threshold, with row
 * counts that are not multiples of four, zero weights and negative zeros in the output; and the
 * combination is the plain ordered chain of fmas, element by element.
 */
class BasisProductsTest {

    @Test
    void vectorBasisProductsHaveTheReferenceBits() {
        Random rnd = new Random(43);
        for (int threads = 1; threads <= 3; threads++) {
            VectorKernels vk = new VectorKernels(threads);
            for (int[] mn : new int[][] {{1, 1}, {3, 7}, {4, 4097}, {5, 1000}, {32, 16384}, {33, 16391}, {7, 100_003}}) {
                int m = mn[0], n = mn[1];
                double[][] rows = new double[m][n];
                for (double[] r : rows) {
                    for (int i = 0; i < n; i++) {
                        r[i] = rnd.nextGaussian();
                    }
                }
                double[] x = new double[n];
                for (int i = 0; i < n; i++) {
                    x[i] = rnd.nextGaussian();
                }
                double[] d1 = new double[m], d2 = new double[m];
                ScalarKernels.INSTANCE.dots(rows, x, d1);
                vk.dots(rows, x, d2);
                assertArrayEquals(d1, d2, "dots m=" + m + " n=" + n + " threads=" + threads);

                double[] w = new double[m];
                for (int k = 0; k < m; k++) {
                    w[k] = k % 3 == 1 ? 0 : rnd.nextGaussian();
                }
                double[] base = new double[n];
                for (int i = 0; i < n; i++) {
                    base[i] = i % 5 == 0 ? -0.0 : rnd.nextGaussian();
                }
                double[] c1 = base.clone(), c2 = base.clone(), chain = base.clone();
                ScalarKernels.INSTANCE.addCombination(rows, w, c1);
                vk.addCombination(rows, w, c2);
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < m; k++) {
                        if (w[k] != 0) {
                            chain[i] = Math.fma(rows[k][i], w[k], chain[i]);
                        }
                    }
                }
                assertArrayEquals(chain, c1, "reference combination m=" + m + " n=" + n);
                assertArrayEquals(c1, c2, "combination m=" + m + " n=" + n + " threads=" + threads);
            }
        }
    }

    @Test
    void mismatchedShapesAreNamed() {
        VectorKernels vk = new VectorKernels(2);
        double[][] rows = {new double[3], new double[4]};
        var e = assertThrows(IllegalArgumentException.class, () -> vk.dots(rows, new double[3], new double[2]));
        assertEquals("length mismatch: 4 vs 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> vk.addCombination(rows, new double[1], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> vk.dots(rows, new double[3], new double[3]));
    }
}
