package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.math.linalg.GramOperator;
import dev.alignguard.math.linalg.Lanczos;
import dev.alignguard.math.linalg.SymmetricOperator;
import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.math.projection.SelectionRule;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The fast solvers (Gram form, Lanczos dense and matrix-free, Kronecker factorisation) return the
 * same eigenpairs as EJML's dense decomposition of the explicit matrix, with the comparison done
 * by {@link DenseReference#agree} (perturbation bounds, no tuned tolerances).
 *
 * <p><b>How the generators guarantee an eigengap.</b> Eigenvectors are only comparable where the
 * eigenvalue is separated from the rest of the spectrum, so the spectra are built, not sampled:
 * <ul>
 *   <li>low rank: F = sum_{k &lt; r} lambda_k u_k u_k^T with Haar-random orthonormal u_k, r in [1, 10],
 *       lambda_k = c rho^k (1 + 0.1 xi_k), rho in [0.3, 0.7], xi_k in [0, 1), c = e^{N(0,1)}. So
 *       lambda_{k+1} / lambda_k &lt;= 1.1 rho &lt;= 0.77: consecutive eigenvalues differ by at least 23%,
 *       and the smallest nonzero one, at least 0.3^9 / 1.1 > 10^-5 of the largest, is separated from the
 *       null space by itself. Every gap is therefore >= 10^-5 ||F||, about 10^10 times the rounding
 *       level, and the Davis-Kahan angles allowed are below ~10^-8.</li>
 *   <li>Kronecker: S and A with Haar-random eigenvectors and eigenvalues c_S 2^-i, c_A 3^-j
 *       (d_out, d_in in [1, 6]). The products c_S c_A 2^-i 3^-j are distinct (unique factorisation)
 *       and the closest ratio of two of them with exponents below 6 is 9/8, so every relative gap
 *       is at least 1/9; the smallest product is 6^-5 > 10^-4 of the largest.</li>
 * </ul>
 */
class EigenAgreementProperties {

    /** A low-rank PSD spectrum with gaps (see the class comment), and N >= r examples realising it in Gram form. */
    record Gapped(int d, int r, int m, int n, double[] lambda, double[][] u, long seed) {
        @Override
        public String toString() {
            return "D = " + d + ", rank " + r + ", m = " + m + ", N = " + n + ", lambda = " + java.util.Arrays.toString(lambda);
        }

        DMatrixRMaj matrix() {
            return Gaussians.fromSpectrum(d, lambda, u);
        }

        /** g_i = sum_k sqrt(N lambda_k) W_ik u_k with W (N x r) orthonormal columns, so G G^T / N = sum_k lambda_k u_k u_k^T. */
        double[][] examples() {
            double[][] w = Gaussians.orthonormal(new Random(seed ^ 0x9E3779B97F4A7C15L), n, r);   // w[k] has length N
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

    @Provide
    Arbitrary<Gapped> gapped() {
        return Arbitraries.integers().between(2, 40).flatMap(d -> Arbitraries.integers().between(1, Math.min(d, 10))
                .flatMap(r -> Combinators.combine(Arbitraries.integers().between(1, r), Arbitraries.integers().between(0, 5),
                        Gaussians.seeds()).as((m, extra, seed) -> {
                            Random rng = new Random(seed);
                            double rho = 0.3 + 0.4 * rng.nextDouble();
                            double c = Math.exp(rng.nextGaussian());
                            double[] lambda = new double[r];
                            for (int k = 0; k < r; k++) {
                                lambda[k] = c * Math.pow(rho, k) * (1 + 0.1 * rng.nextDouble());
                            }
                            return new Gapped(d, r, m, r + extra, lambda, Gaussians.orthonormal(rng, d, r), seed);
                        })));
    }

    /** GramEigen's top m of G G^T / N match EJML on the explicit D x D matrix. */
    @Property(tries = 40)
    void gramEigenAgreesWithDenseEig(@ForAll("gapped") Gapped s) {
        double[][] g = s.examples();
        DMatrixRMaj f = Gaussians.gramFisher(g);
        EigenPairs pairs = GramEigen.top(g, s.m());
        DenseReference.agree("GramEigen " + s, f, pairs, s.m(), GramEigenProperties.residualBounds(s.n(), f, pairs));
    }

    /**
     * Lanczos on the dense operator matches EJML, and converges: from any start vector the Krylov
     * space of a rank-r matrix is invariant after at most r + 1 &lt;= 11 steps, within the default
     * budget min(D, 2m + 20).
     */
    @Property(tries = 40)
    void lanczosAgreesWithDenseEig(@ForAll("gapped") Gapped s) {
        DMatrixRMaj f = s.matrix();
        Lanczos.Result r = Lanczos.top(SymmetricOperator.dense(f), s.m(), Lanczos.Options.defaults().withSeed(s.seed()));
        Check.that(r.converged(), "Lanczos did not converge on " + s + " in " + r.steps() + " steps");
        DenseReference.agree("Lanczos " + s, f, r.pairs(), s.m(), LanczosBounds.residualBounds(f, r, Rounding.gamma(s.d())));
    }

    /** Lanczos on the matrix-free Gram operator matches EJML on the explicit G G^T / N, and converges (same argument). */
    @Property(tries = 40)
    void lanczosOnGramOperatorAgreesWithDenseEig(@ForAll("gapped") Gapped s) {
        double[][] g = s.examples();
        DMatrixRMaj f = Gaussians.gramFisher(g);
        Lanczos.Result r = Lanczos.top(new GramOperator(g), s.m(), Lanczos.Options.defaults().withSeed(s.seed()));
        Check.that(r.converged(), "Lanczos did not converge on " + s + " in " + r.steps() + " steps");
        double opError = (Rounding.gamma(s.d()) + Rounding.gamma(s.n())) * Math.sqrt(s.n());   // as in LanczosGramProperties
        DenseReference.agree("Lanczos(GramOperator) " + s, f, r.pairs(), s.m(), LanczosBounds.residualBounds(f, r, opError));
    }

    /** Kronecker factors with a guaranteed gap in every product (see the class comment). */
    record KroneckerCase(DMatrixRMaj s, DMatrixRMaj a, int m) {
        @Override
        public String toString() {
            return "S " + s.numRows + " x " + s.numRows + ", A " + a.numRows + " x " + a.numRows + ", m = " + m;
        }

        int dim() {
            return s.numRows * a.numRows;
        }
    }

    @Provide
    Arbitrary<KroneckerCase> kronecker() {
        Arbitrary<Integer> side = Arbitraries.integers().between(1, 6);
        return Combinators.combine(side, side).as((dOut, dIn) -> new int[] {dOut, dIn})
                .flatMap(sh -> Combinators.combine(Arbitraries.integers().between(1, sh[0] * sh[1]), Gaussians.seeds())
                        .as((m, seed) -> {
                            Random rng = new Random(seed);
                            return new KroneckerCase(factor(rng, sh[0], 2), factor(rng, sh[1], 3), m);
                        }));
    }

    /** Q diag(c base^-i) Q^T, Q Haar-random, c = e^{N(0,1)}. */
    private static DMatrixRMaj factor(Random rng, int n, double base) {
        double c = Math.exp(rng.nextGaussian());
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = c * Math.pow(base, -i);
        }
        return Gaussians.fromSpectrum(n, values, Gaussians.orthonormal(rng, n, n));
    }

    /**
     * Residual bound of a Kronecker pair: (S (x) A)(q (x) p) - sigma alpha (q (x) p)
     * = (S q - sigma q) (x) A p + sigma q (x) (A p - alpha p), so it is at most
     * denseEig(d_out) ||S||_F ||A||_F + denseEig(d_in) ||S||_F ||A||_F, plus u ||F|| for the product
     * sigma alpha and for forming q (x) p; ||S||_F ||A||_F = ||S (x) A||_F.
     */
    private static double[] kroneckerBounds(KroneckerCase c, int count) {
        double normF = Rounding.frobenius(c.s()) * Rounding.frobenius(c.a());
        double b = (Rounding.denseEig(c.s().numRows) + Rounding.denseEig(c.a().numRows) + 2 * Rounding.U) * normF;
        double[] bound = new double[count];
        java.util.Arrays.fill(bound, b);
        return bound;
    }

    /** All D Kronecker eigenpairs (sigma_i alpha_j, q_i (x) p_j) are EJML's eigenpairs of the explicit S (x) A. */
    @Property(tries = 40)
    void kroneckerEigenpairsAreThoseOfTheExplicitProduct(@ForAll("kronecker") KroneckerCase c) {
        int d = c.dim();
        KroneckerProjector kp = KroneckerProjector.fromFactors(c.s(), c.a(), SelectionRule.rank(d));
        double[][] vectors = new double[d][];
        for (int k = 0; k < d; k++) {
            vectors[k] = kp.keptVector(k);
        }
        EigenPairs pairs = new EigenPairs(d, kp.keptEigenvalues(), vectors, Double.NaN);
        DMatrixRMaj explicit = CommonOps_DDRM.kron(c.s(), c.a(), null);     // EJML's own Kronecker product
        DenseReference.agree("Kronecker " + c, explicit, pairs, d, kroneckerBounds(c, d));
    }

    /**
     * The rank-m K-FAC projector is the spectral projector of the explicit S (x) A onto its top m
     * eigenvectors. Davis-Kahan for subspaces: ||P_X - P_U||_F = sqrt(2) ||sin Theta||_F
     * &lt;= sqrt(2) ||R||_F / delta, with R = F X - X Theta the residual block (||R||_F &lt;= sqrt(m)
     * times the per-pair bound) and delta the gap between the kept and the other eigenvalues;
     * EJML's reference projector is allowed the same with its backward error.
     */
    @Property(tries = 40)
    void kroneckerProjectorIsTheDenseSpectralProjector(@ForAll("kronecker") KroneckerCase c) {
        int d = c.dim();
        int m = c.m();
        DMatrixRMaj explicit = CommonOps_DDRM.kron(c.s(), c.a(), null);
        double[][] refVectors = new double[d][];
        double[] ref = DenseReference.values(explicit, refVectors);
        DMatrixRMaj pRef = new DMatrixRMaj(d, d);
        for (int k = 0; k < m; k++) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    pRef.add(i, j, refVectors[k][i] * refVectors[k][j]);
                }
            }
        }
        DMatrixRMaj p = KroneckerProjector.fromFactors(c.s(), c.a(), SelectionRule.rank(m)).asMatrix();
        double refError = Rounding.denseEig(d) * Rounding.frobenius(explicit);
        double gap = m < d ? ref[m - 1] - ref[m] - 2 * refError : Double.POSITIVE_INFINITY;
        Check.that(gap > 0, c + ": no gap at m (the generator should prevent this)");
        double r = Math.sqrt(m) * (kroneckerBounds(c, 1)[0] + Rounding.residualEvaluation(d) * Rounding.frobenius(explicit));
        double bound = Math.sqrt(2) * (r + Math.sqrt(m) * refError) / gap
                + Rounding.projector(d) * Math.sqrt(d);                     // forming P column by column
        DMatrixRMaj diff = new DMatrixRMaj(d, d);
        CommonOps_DDRM.subtract(p, pRef, diff);
        Check.atMost(Rounding.frobenius(diff), bound, c + ": ||P_kfac - P_dense||_F");
    }
}
