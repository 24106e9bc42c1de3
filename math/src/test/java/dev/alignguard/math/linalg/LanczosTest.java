package dev.alignguard.math.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LanczosTest {

    /** diag(d) as an operator: a bulk in [0, 1) below the four well-separated values 10, 9, 8, 7 at the end. */
    static SymmetricOperator diagonal(int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = i >= n - 4 ? 10 - (n - 1 - i) : (double) i / n;
        }
        return new SymmetricOperator() {
            @Override
            public int dim() {
                return n;
            }

            @Override
            public void apply(double[] x, double[] y) {
                for (int i = 0; i < n; i++) {
                    y[i] = d[i] * x[i];
                }
            }
        };
    }

    @Test
    void findsTheTopOfADiagonalSpectrum() {
        int n = 300;
        Lanczos.Result r = Lanczos.top(diagonal(n), 4);
        assertTrue(r.converged(), "converged in " + r.steps() + " steps, residuals " + java.util.Arrays.toString(r.residuals()));
        assertArrayEquals(new double[] {10, 9, 8, 7}, r.pairs().values(), 1e-9);
        for (int k = 0; k < 4; k++) {
            assertEquals(1, Math.abs(r.pairs().vector(k)[n - 1 - k]), 1e-9);
        }
    }

    @Test
    void agreesWithGramEigenOnAGramOperator() {
        Random rng = new Random(17);
        double[][] g = new double[12][50];
        for (int i = 0; i < g.length; i++) {
            g[i] = TestMatrices.gaussian(rng, 50);
            Vec.scale(Math.pow(0.6, i), g[i]);          // a decaying spectrum with clear gaps
        }
        EigenPairs exact = GramEigen.top(g, 3);
        Lanczos.Result r = Lanczos.top(new GramOperator(g), 3);
        assertTrue(r.converged());
        assertEquals(new GramOperator(g).trace(), r.pairs().trace(), 0);
        for (int k = 0; k < 3; k++) {
            assertEquals(exact.value(k), r.pairs().value(k), 1e-10 * exact.value(0));
            assertEquals(1, TestMatrices.alignment(exact.vector(k), r.pairs().vector(k)), 1e-8);
        }
    }

    @Test
    void restartsPastAnInvariantSubspace() {
        Random rng = new Random(2);
        double[][] g = {TestMatrices.gaussian(rng, 10), TestMatrices.gaussian(rng, 10)};   // rank 2
        Lanczos.Result r = Lanczos.top(new GramOperator(g), 4);
        assertTrue(r.converged());
        assertEquals(0, r.pairs().value(2), 1e-12);
        assertEquals(0, r.pairs().value(3), 1e-12);
        assertTrue(Orthonormalize.deviation(r.pairs().vectors()) < 1e-12);
    }

    @Test
    void isReproducibleForASeed() {
        SymmetricOperator op = SymmetricOperator.dense(TestMatrices.symmetric(new Random(1), 60));
        Lanczos.Result a = Lanczos.top(op, 3);
        Lanczos.Result b = Lanczos.top(op, 3);
        assertEquals(a.pairs(), b.pairs());
        assertEquals(a.steps(), b.steps());
    }

    @Test
    void validatesArguments() {
        assertEquals(0, Lanczos.top(diagonal(5), 0).pairs().count());
        assertThrows(IllegalArgumentException.class, () -> Lanczos.top(diagonal(5), 6));
        assertThrows(IllegalArgumentException.class, () -> Lanczos.top(diagonal(5), 3, Lanczos.Options.defaults().withKrylovDim(2)));
        assertThrows(IllegalArgumentException.class, () -> Lanczos.Options.defaults().withTolerance(0));
    }
}
