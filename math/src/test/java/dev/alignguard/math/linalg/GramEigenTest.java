package dev.alignguard.math.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

class GramEigenTest {

    static DMatrixRMaj explicitFisher(double[][] g) {
        int d = g[0].length;
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        for (double[] gi : g) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    f.add(i, j, gi[i] * gi[j] / g.length);
                }
            }
        }
        return f;
    }

    @Test
    void agreesWithTheDenseFisher() {
        Random rng = new Random(5);
        int d = 30;
        int n = 8;
        double[][] g = new double[n][];
        for (int i = 0; i < n; i++) {
            g[i] = TestMatrices.gaussian(rng, d);
        }
        DMatrixRMaj f = explicitFisher(g);
        EigenPairs dense = SymmetricEigen.all(f);
        EigenPairs gram = GramEigen.top(g, 5);
        assertEquals(5, gram.count());
        assertEquals(dense.trace(), gram.trace(), 1e-12 * dense.trace());
        for (int k = 0; k < 5; k++) {
            assertEquals(dense.value(k), gram.value(k), 1e-12 * dense.value(0));
            assertEquals(1, TestMatrices.alignment(dense.vector(k), gram.vector(k)), 1e-9);
            assertTrue(TestMatrices.residual(f, gram.value(k), gram.vector(k)) < 1e-12 * dense.value(0));
        }
        assertEquals(n, GramEigen.all(g).count());
    }

    @Test
    void dropsZeroEigenvaluesWhenRankIsBelowM() {
        Random rng = new Random(9);
        double[] a = TestMatrices.gaussian(rng, 20);
        double[] b = TestMatrices.gaussian(rng, 20);
        double[][] g = new double[6][20];
        for (int i = 0; i < 6; i++) {                  // every g_i in span(a, b): rank 2
            Vec.axpy(rng.nextGaussian(), a, g[i]);
            Vec.axpy(rng.nextGaussian(), b, g[i]);
        }
        EigenPairs p = GramEigen.top(g, 5);
        assertEquals(2, p.count());
        assertTrue(Orthonormalize.deviation(p.vectors()) < 1e-12);
        assertEquals(0, GramEigen.all(new double[3][4]).count());
    }

    @Test
    void rejectsRaggedOrEmptyInput() {
        assertThrows(IllegalArgumentException.class, () -> GramEigen.all(new double[0][]));
        var e = assertThrows(IllegalArgumentException.class, () -> GramEigen.all(new double[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("g[1]"), e.getMessage());
    }
}
