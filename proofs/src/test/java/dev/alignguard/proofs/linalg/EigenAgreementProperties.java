package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.math.linalg.GramOperator;
import dev.alignguard.math.linalg.Lanczos;
import dev.alignguard.math.linalg.SymmetricOperator;
import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.proofs.gen.GappedSpectra;
import dev.alignguard.proofs.gen.GappedSpectra.KroneckerPair;
import dev.alignguard.proofs.gen.GappedSpectra.LowRank;
import dev.alignguard.proofs.gen.SymmetricMatrices;
import dev.alignguard.proofs.harness.Laws;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

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
 * The generators are {@link GappedSpectra#lowRank()} and {@link GappedSpectra#kroneckerPairs()}.
 */
class EigenAgreementProperties {

    /** GramEigen's top m of G G^T / N match EJML on the explicit D x D matrix. */
    @Test
    void gramEigenAgreesWithDenseEig() {
        Laws.qt(40).forAll(GappedSpectra.lowRank()).checkAssert(s -> {
            double[][] g = s.examples();
            DMatrixRMaj f = SymmetricMatrices.gramFisher(g);
            EigenPairs pairs = GramEigen.top(g, s.m());
            DenseReference.agree("GramEigen " + s, f, pairs, s.m(), GramEigenProperties.residualBounds(s.n(), f, pairs));
        });
    }

    /**
     * Lanczos on the dense operator matches EJML, and converges: from any start vector the Krylov
     * space of a rank-r matrix is invariant after at most r + 1 &lt;= 11 steps, within the default
     * budget min(D, 2m + 20).
     */
    @Test
    void lanczosAgreesWithDenseEig() {
        Laws.qt(40).forAll(GappedSpectra.lowRank()).checkAssert(s -> {
            DMatrixRMaj f = s.matrix();
            Lanczos.Result r = Lanczos.top(SymmetricOperator.dense(f), s.m(), Lanczos.Options.defaults().withSeed(s.seed()));
            Check.that(r.converged(), "Lanczos did not converge on " + s + " in " + r.steps() + " steps");
            DenseReference.agree("Lanczos " + s, f, r.pairs(), s.m(), LanczosBounds.residualBounds(f, r, Rounding.gamma(s.d())));
        });
    }

    /** Lanczos on the matrix-free Gram operator matches EJML on the explicit G G^T / N, and converges (same argument). */
    @Test
    void lanczosOnGramOperatorAgreesWithDenseEig() {
        Laws.qt(40).forAll(GappedSpectra.lowRank()).checkAssert(s -> {
            double[][] g = s.examples();
            DMatrixRMaj f = SymmetricMatrices.gramFisher(g);
            Lanczos.Result r = Lanczos.top(new GramOperator(g), s.m(), Lanczos.Options.defaults().withSeed(s.seed()));
            Check.that(r.converged(), "Lanczos did not converge on " + s + " in " + r.steps() + " steps");
            double opError = (Rounding.gamma(s.d()) + Rounding.gamma(s.n())) * Math.sqrt(s.n());   // as in LanczosGramProperties
            DenseReference.agree("Lanczos(GramOperator) " + s, f, r.pairs(), s.m(), LanczosBounds.residualBounds(f, r, opError));
        });
    }

    /**
     * Residual bound of a Kronecker pair: (S (x) A)(q (x) p) - sigma alpha (q (x) p)
     * = (S q - sigma q) (x) A p + sigma q (x) (A p - alpha p), so it is at most
     * denseEig(d_out) ||S||_F ||A||_F + denseEig(d_in) ||S||_F ||A||_F, plus u ||F|| for the product
     * sigma alpha and for forming q (x) p; ||S||_F ||A||_F = ||S (x) A||_F.
     */
    private static double[] kroneckerBounds(KroneckerPair c, int count) {
        double normF = Rounding.frobenius(c.s()) * Rounding.frobenius(c.a());
        double b = (Rounding.denseEig(c.s().numRows) + Rounding.denseEig(c.a().numRows) + 2 * Rounding.U) * normF;
        double[] bound = new double[count];
        java.util.Arrays.fill(bound, b);
        return bound;
    }

    /** All D Kronecker eigenpairs (sigma_i alpha_j, q_i (x) p_j) are EJML's eigenpairs of the explicit S (x) A. */
    @Test
    void kroneckerEigenpairsAreThoseOfTheExplicitProduct() {
        Laws.qt(40).forAll(GappedSpectra.kroneckerPairs()).checkAssert(c -> {
            int d = c.dim();
            KroneckerProjector kp = KroneckerProjector.fromFactors(c.s(), c.a(), SelectionRule.rank(d));
            double[][] vectors = new double[d][];
            for (int k = 0; k < d; k++) {
                vectors[k] = kp.keptVector(k);
            }
            EigenPairs pairs = new EigenPairs(d, kp.keptEigenvalues(), vectors, Double.NaN);
            DMatrixRMaj explicit = CommonOps_DDRM.kron(c.s(), c.a(), null);     // EJML's own Kronecker product
            DenseReference.agree("Kronecker " + c, explicit, pairs, d, kroneckerBounds(c, d));
        });
    }

    /**
     * The rank-m K-FAC projector is the spectral projector of the explicit S (x) A onto its top m
     * eigenvectors. Davis-Kahan for subspaces: ||P_X - P_U||_F = sqrt(2) ||sin Theta||_F
     * &lt;= sqrt(2) ||R||_F / delta, with R = F X - X Theta the residual block (||R||_F &lt;= sqrt(m)
     * times the per-pair bound) and delta the gap between the kept and the other eigenvalues;
     * EJML's reference projector is allowed the same with its backward error.
     */
    @Test
    void kroneckerProjectorIsTheDenseSpectralProjector() {
        Laws.qt(40).forAll(GappedSpectra.kroneckerPairs()).checkAssert(c -> {
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
        });
    }
}
