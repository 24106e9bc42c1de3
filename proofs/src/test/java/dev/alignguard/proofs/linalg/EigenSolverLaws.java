package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.linalg.SymmetricOperator;
import dev.alignguard.math.linalg.Vec;
import dev.alignguard.proofs.harness.Laws;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The laws every eigen solver's output must satisfy, stated once and checked per solver: each
 * pair solves F u = lambda u up to the solver's a-priori residual bound, the vectors are
 * orthonormal, the values descend, each value is its vector's Rayleigh quotient, and the
 * reported trace is the operator's.
 *
 * <p>The bounds differ per solver (backward-stable dense eig, the Gram lift that squares the
 * condition number, Lanczos's reported residuals), so each implementing class derives its own in
 * {@link Solved}; the laws themselves are shared. Each law is a JUnit test running a QuickTheories
 * property through {@link Laws#qt}; the problem sizes are drawn as integer ranges, so a failure
 * shrinks toward small D, N and m.
 */
public interface EigenSolverLaws {

    /**
     * One solved problem.
     *
     * @param what             solver and shape, for failure reports
     * @param f                the operator as a dense D x D matrix, to check against
     * @param pairs            the solver's output
     * @param residualBound    a-priori bound on ||F u_k - lambda_k u_k||, one per pair (absolute)
     * @param orthonormalBound a-priori bound on max |U^T U - I|
     */
    record Solved(String what, DMatrixRMaj f, EigenPairs pairs, double[] residualBound, double orthonormalBound) {
        @Override
        public String toString() {
            return what;
        }
    }

    /** Random problems for this solver, solved. */
    Gen<Solved> problems();

    /** ||F u - lambda u|| within the solver's bound, for every returned pair. */
    @Test
    default void pairsSolveTheEigenEquation() {
        Laws.qt(40).forAll(problems()).checkAssert(s -> {
            SymmetricOperator f = SymmetricOperator.dense(s.f());
            double[] fu = new double[s.f().numRows];
            for (int k = 0; k < s.pairs().count(); k++) {
                double[] u = s.pairs().vector(k);
                f.apply(u, fu);
                Vec.axpy(-s.pairs().value(k), u, fu);
                Check.atMost(Vec.norm(fu), s.residualBound()[k], s + ": ||F u_" + k + " - lambda_" + k + " u_" + k + "||");
            }
        });
    }

    /** U^T U = I. */
    @Test
    default void vectorsAreOrthonormal() {
        Laws.qt(40).forAll(problems()).checkAssert(s -> {
            Check.atMost(Orthonormalize.deviation(s.pairs().vectors()), s.orthonormalBound(), s + ": max |U^T U - I|");
        });
    }

    /** lambda_0 >= lambda_1 >= ... */
    @Test
    default void valuesDescend() {
        Laws.qt(40).forAll(problems()).checkAssert(s -> {
            double[] v = s.pairs().values();
            for (int k = 1; k < v.length; k++) {
                Check.that(v[k] <= v[k - 1], s + ": lambda_" + k + " = " + v[k] + " > lambda_" + (k - 1) + " = " + v[k - 1]);
            }
        });
    }

    /** lambda_k = u_k^T F u_k: |u^T F u - lambda| = |u^T (F u - lambda u)| &lt;= the residual bound (u is unit). */
    @Test
    default void valuesAreRayleighQuotients() {
        Laws.qt(40).forAll(problems()).checkAssert(s -> {
            SymmetricOperator f = SymmetricOperator.dense(s.f());
            double[] fu = new double[s.f().numRows];
            for (int k = 0; k < s.pairs().count(); k++) {
                double[] u = s.pairs().vector(k);
                f.apply(u, fu);
                Check.close(s.pairs().value(k), Vec.dot(u, fu), s.residualBound()[k], s + ": Rayleigh quotient of u_" + k);
            }
        });
    }

    /**
     * The reported trace, when known, is trace(F): both are sums of D diagonal entries (or of N
     * squared norms / N), so they agree to gamma_{D + N} sum |F_ii|, bounded here by gamma_{2D + 64} times
     * the absolute trace (N &lt;= 64 in every generator).
     */
    @Test
    default void traceIsTheOperatorsTrace() {
        Laws.qt(40).forAll(problems()).checkAssert(s -> {
            if (Double.isNaN(s.pairs().trace())) {
                return;
            }
            int d = s.f().numRows;
            double abs = 0;
            for (int i = 0; i < d; i++) {
                abs += Math.abs(s.f().get(i, i));
            }
            Check.close(CommonOps_DDRM.trace(s.f()), s.pairs().trace(), Rounding.gamma(2 * d + 64) * abs, s + ": trace");
        });
    }
}
