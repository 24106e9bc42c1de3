package dev.alignguard.proofs.gen;

import java.util.Arrays;
import java.util.Random;

import org.ejml.data.DMatrixRMaj;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Symmetric PSD matrices whose spectra have guaranteed gaps, built rather than sampled, so that
 * eigenvectors are comparable between solvers (see EigenAgreementProperties for the bounds).
 */
public final class GappedSpectra {

    private GappedSpectra() {
    }

    /**
     * A low-rank PSD spectrum F = sum_{k &lt; r} lambda_k u_k u_k^T with Haar-random orthonormal u_k,
     * and N = r + extra examples realising it in Gram form.
     */
    public record LowRank(int d, int r, int m, int n, double[] lambda, double[][] u, long seed) {
        @Override
        public String toString() {
            return "D = " + d + ", rank " + r + ", m = " + m + ", N = " + n + ", lambda = " + Arrays.toString(lambda);
        }

        /** F, explicitly (d x d). */
        public DMatrixRMaj matrix() {
            return SymmetricMatrices.fromSpectrum(d, lambda, u);
        }

        /** g_i = sum_k sqrt(N lambda_k) W_ik u_k with W (N x r) orthonormal columns, so G G^T / N = sum_k lambda_k u_k u_k^T. */
        public double[][] examples() {
            double[][] w = OrthonormalBases.orthonormal(new Random(seed ^ 0x9E3779B97F4A7C15L), n, r);   // w[k] has length N
            double[][] g = new double[n][d];
            for (int k = 0; k < r; k++) {
                double sk = Math.sqrt(n * lambda[k]);
                for (int i = 0; i < n; i++) {
                    double c = sk * w[k][i];
                    for (int j = 0; j < d; j++) {
                        g[i][j] += c * u[k][j];
                    }
                }
            }
            return g;
        }
    }

    /**
     * D in [2, 40], rank r in [1, min(D, 10)], m in [1, r], N = r + [0, 5];
     * lambda_k = c rho^k (1 + 0.1 xi_k), rho in [0.3, 0.7], xi_k in [0, 1), c = e^{N(0,1)}, so
     * consecutive eigenvalues differ by at least 23% and the smallest nonzero one is above 10^-5 of the largest.
     */
    public static Gen<LowRank> lowRank() {
        return SourceDSL.integers().between(2, 40).flatMap(d -> SourceDSL.integers().between(1, Math.min(d, 10))
            .flatMap(r -> SourceDSL.integers().between(1, r).zip(SourceDSL.integers().between(0, 5), Gaussians.seeds(),
                (m, extra, seed) -> {
                    Random rng = new Random(seed);
                    double rho = 0.3 + 0.4 * rng.nextDouble();
                    double c = Math.exp(rng.nextGaussian());
                    double[] lambda = new double[r];
                    for (int k = 0; k < r; k++) {
                        lambda[k] = c * Math.pow(rho, k) * (1 + 0.1 * rng.nextDouble());
                    }
                    return new LowRank(d, r, m, r + extra, lambda, OrthonormalBases.orthonormal(rng, d, r), seed);
                })));
    }

    /** Kronecker factors S (d_out) and A (d_in) with a gap in every product, and how many products to keep. */
    public record KroneckerPair(DMatrixRMaj s, DMatrixRMaj a, int m) {
        @Override
        public String toString() {
            return "S " + s.numRows + " x " + s.numRows + ", A " + a.numRows + " x " + a.numRows + ", m = " + m;
        }

        /** D = d_out d_in. */
        public int dim() {
            return s.numRows * a.numRows;
        }
    }

    /**
     * S and A with Haar-random eigenvectors and eigenvalues c_S 2^-i, c_A 3^-j (d_out, d_in in [1, 6],
     * {@link KroneckerFactors#gappedFactor}), m in [1, D].
     */
    public static Gen<KroneckerPair> kroneckerPairs() {
        return KroneckerFactors.shapes(6).flatMap(sh -> SourceDSL.integers().between(1, sh[0] * sh[1]).zip(Gaussians.seeds(),
            (m, seed) -> {
                Random rng = new Random(seed);
                return new KroneckerPair(KroneckerFactors.gappedFactor(rng, sh[0], 2), KroneckerFactors.gappedFactor(rng, sh[1], 3), m);
            }));
    }
}
