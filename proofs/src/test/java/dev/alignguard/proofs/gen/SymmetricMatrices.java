package dev.alignguard.proofs.gen;

import java.util.Random;

import dev.alignguard.math.linalg.Vec;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Symmetric matrices: Gaussian (indefinite, GOE-like spectrum), positive semidefinite second
 * moments and Gram-form Fishers (often rank-deficient), and matrices with a prescribed spectrum.
 */
public final class SymmetricMatrices {

    private SymmetricMatrices() {
    }

    /** (B + B^T) / 2 with Gaussian B: an indefinite symmetric n x n matrix. */
    public static DMatrixRMaj gaussian(Random rng, int n) {
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

    /** Gaussian symmetric matrices of size n in [1, maxN] (shrinks toward 1 x 1). */
    public static Gen<DMatrixRMaj> gaussian(int maxN) {
        return SourceDSL.integers().between(1, maxN).zip(Gaussians.seeds(), (n, seed) -> gaussian(new Random(seed), n))
            .describedAs(SymmetricMatrices::describe);
    }

    /** B B^T / k, B Gaussian n x k with k in [1, n + 2]: PSD, often rank-deficient (a second moment from k samples). */
    public static DMatrixRMaj secondMoment(Random rng, int n) {
        int k = 1 + rng.nextInt(n + 2);
        double[][] b = new double[k][];
        for (int c = 0; c < k; c++) {
            b[c] = Gaussians.vector(rng, n);
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

    /** G G^T with G Gaussian n x rank (PSD of rank min(n, rank), not normalised). */
    public static DMatrixRMaj psd(Random rng, int n, int rank) {
        DMatrixRMaj g = new DMatrixRMaj(n, rank);
        for (int i = 0; i < g.data.length; i++) {
            g.data[i] = rng.nextGaussian();
        }
        DMatrixRMaj f = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(g, g, f);
        return f;
    }

    /** sum_k lambda_k u_k u_k^T (d x d), exactly symmetric. */
    public static DMatrixRMaj fromSpectrum(int d, double[] lambda, double[][] u) {
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
    public static DMatrixRMaj gramFisher(double[][] g) {
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

    /**
     * N per-example vectors of dimension D, g_i = exp(-c i) z_i with z_i Gaussian and decay
     * c in [0, 1.5) drawn from the seed: spectra of G G^T / N range from flat to steep, and
     * rank = min(D, N) is often below both. {@code double[N][D]}.
     */
    public static double[][] decayingExamples(Random rng, int d, int n) {
        double decay = 1.5 * rng.nextDouble();
        double[][] g = new double[n][];
        for (int i = 0; i < n; i++) {
            g[i] = Gaussians.vector(rng, d);
            Vec.scale(Math.exp(-decay * i), g[i]);
        }
        return g;
    }

    /** A short description (size, norm) instead of every entry. */
    public static String describe(DMatrixRMaj m) {
        return m.numRows + " x " + m.numCols + " matrix, ||.||_F = " + NormOps_DDRM.normF(m);
    }
}
