package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.SymmetricOperator;
import dev.alignguard.math.linalg.Vec;
import java.util.Arrays;
import java.util.Comparator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The reference every solver is compared with: EJML's dense symmetric eigendecomposition called
 * directly (not through the project's wrapper), and the comparison itself, done with the
 * classical perturbation bounds instead of ad-hoc tolerances.
 *
 * <p>For a unit vector x, a number theta and the residual r = F x - theta x of a symmetric F:
 * <ul>
 *   <li>some eigenvalue lies within ||r|| of theta (Weyl / Bauer-Fike for symmetric matrices);</li>
 *   <li>if that eigenvalue lambda_k is separated from the rest of the spectrum by
 *       delta = min_{j != k} |theta - lambda_j| > 0, then sin angle(x, u_k) &lt;= ||r|| / delta
 *       (Davis-Kahan sin-theta theorem).</li>
 * </ul>
 * EJML's own pairs obey the same bounds with ||r|| replaced by its backward error
 * {@link Rounding#denseEig} ||F||_F, and angles add, so both the solver and the reference are
 * allowed exactly their own error and nothing more.
 */
final class DenseReference {

    private DenseReference() {
    }

    /** All eigenpairs of f by EJML's symmetric QR, values descending; vectors as double[D][D] columns. */
    static double[] values(DMatrixRMaj f, double[][] vectorsOut) {
        int d = f.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        Check.that(eig.decompose(f.copy()), "EJML eig failed");
        Integer[] order = new Integer[d];
        for (int k = 0; k < d; k++) {
            order[k] = k;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer k) -> -eig.getEigenvalue(k).getReal()));
        double[] values = new double[d];
        for (int k = 0; k < d; k++) {
            values[k] = eig.getEigenvalue(order[k]).getReal();
            vectorsOut[k] = eig.getEigenVector(order[k]).data.clone();
        }
        return values;
    }

    /** ||x - (x.u) u|| for unit u: the sine of the angle between the lines of x and u (accurate for tiny angles). */
    static double sine(double[] x, double[] u) {
        double[] perp = x.clone();
        Vec.axpy(-Vec.dot(x, u), u, perp);
        return Vec.norm(perp) / Vec.norm(x);
    }

    /** ||F x - theta x||. */
    static double residual(DMatrixRMaj f, double theta, double[] x) {
        double[] fx = new double[x.length];
        SymmetricOperator.dense(f).apply(x, fx);
        Vec.axpy(-theta, x, fx);
        return Vec.norm(fx);
    }

    /**
     * Checks the first m pairs of {@code got} against EJML's on f: each residual within the
     * solver's a-priori {@code residualBound[k]}, each value within residual + reference error of
     * EJML's k-th value, each vector within the Davis-Kahan angle of EJML's k-th vector.
     * Requires a spectrum whose top m + 1 eigenvalues are well separated (the generators ensure it).
     */
    static void agree(String what, DMatrixRMaj f, EigenPairs got, int m, double[] residualBound) {
        int d = f.numRows;
        Check.that(got.count() == m, what + ": expected " + m + " pairs, got " + got.count());
        double[][] refVectors = new double[d][];
        double[] ref = values(f, refVectors);
        double normF = Rounding.frobenius(f);
        double refError = Rounding.denseEig(d) * normF;                     // EJML's residual / backward error
        double evalError = Rounding.residualEvaluation(d) * normF;          // computing ||F x - theta x|| here
        for (int k = 0; k < m; k++) {
            double theta = got.value(k);
            double[] x = got.vector(k);
            double r = residual(f, theta, x) + evalError;
            Check.atMost(r, residualBound[k] + evalError, what + ": residual of pair " + k);
            Check.close(ref[k], theta, r + refError, what + ": eigenvalue " + k);
            double gapGot = Double.POSITIVE_INFINITY;
            double gapRef = Double.POSITIVE_INFINITY;
            for (int j = 0; j < d; j++) {
                if (j != k) {
                    gapGot = Math.min(gapGot, Math.abs(theta - ref[j]) - refError);
                    gapRef = Math.min(gapRef, Math.abs(ref[k] - ref[j]) - refError);
                }
            }
            Check.that(gapGot > 0 && gapRef > 0, what + ": eigenvalue " + k + " is not separated (the generator should prevent this)");
            double angle = r / gapGot + refError / gapRef;
            Check.atMost(sine(x, refVectors[k]), angle, what + ": angle between eigenvector " + k + " and EJML's");
        }
    }
}
