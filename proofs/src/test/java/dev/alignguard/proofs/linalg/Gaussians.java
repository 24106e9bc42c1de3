package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.Orthonormalize;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.ejml.data.DMatrixRMaj;

/**
 * Random vectors and matrices with standard Gaussian entries, drawn from the {@link Random} jqwik
 * hands to {@code Arbitraries.randomValue} (so a reported seed replays them). Gaussian doubles are
 * used instead of jqwik's decimal arbitraries, which default to two decimal places and would make
 * every matrix a multiple of 0.01 (hiding exactly the rounding behaviour these suites are about).
 */
final class Gaussians {

    private Gaussians() {
    }

    /**
     * Seeds for {@code new Random(seed)} inside a generator's mapping function. A seed rather than
     * a Random object, so that re-applying the mapping (as jqwik does while shrinking) replays the
     * same numbers.
     */
    static Arbitrary<Long> seeds() {
        return Arbitraries.randomValue(Random::nextLong);
    }

    /** n i.i.d. N(0, 1) entries. */
    static double[] vector(Random rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    /** A Haar-random set of m orthonormal columns in R^d ({@code double[m][d]}). */
    static double[][] orthonormal(Random rng, int d, int m) {
        return Orthonormalize.random(d, m, rng);
    }

    /** (B + B^T) / 2 with Gaussian B: an indefinite symmetric n x n matrix (GOE-like spectrum). */
    static DMatrixRMaj symmetric(Random rng, int n) {
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double v = rng.nextGaussian();
                a.set(i, j, v);
                a.set(j, i, v);
            }
        }
        return a;
    }

    /** B B^T / k, B Gaussian n x k with k in [1, n + 2]: PSD, often rank-deficient (a second moment from k samples). */
    static DMatrixRMaj secondMoment(Random rng, int n) {
        int k = 1 + rng.nextInt(n + 2);
        double[][] b = new double[k][];
        for (int c = 0; c < k; c++) {
            b[c] = vector(rng, n);
        }
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                for (double[] bc : b) {
                    s += bc[i] * bc[j];
                }
                a.set(i, j, s / k);
                a.set(j, i, s / k);
            }
        }
        return a;
    }

    /** sum_k lambda_k u_k u_k^T (d x d), exactly symmetric. */
    static DMatrixRMaj fromSpectrum(int d, double[] lambda, double[][] u) {
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double s = 0;
                for (int k = 0; k < lambda.length; k++) {
                    s += lambda[k] * u[k][i] * u[k][j];
                }
                f.set(i, j, s);
                f.set(j, i, s);
            }
        }
        return f;
    }

    /** F = G G^T / N (d x d) formed explicitly from per-example vectors g[i] (length d); exactly symmetric. */
    static DMatrixRMaj gramFisher(double[][] g) {
        int d = g[0].length;
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double s = 0;
                for (double[] gi : g) {
                    s += gi[i] * gi[j];
                }
                f.set(i, j, s / g.length);
                f.set(j, i, s / g.length);
            }
        }
        return f;
    }
}
