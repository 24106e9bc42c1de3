package dev.alignguard.math.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Dense symmetric eigendecomposition (EJML's tridiagonalisation + implicit symmetric QR), O(n^3)
 * time and O(n^2) memory. The reference every other solver here is checked against; use it
 * directly for n up to a few thousand (a Kronecker factor, a Gram matrix, a Lanczos tridiagonal).
 *
 * <p>Input must be symmetric up to rounding: {@code max |a_ij - a_ji| <= SYMMETRY_TOLERANCE * max |a_ij|}.
 * The decomposition runs on the symmetrised copy {@code (A + A^T) / 2}, so the input is not modified.
 */
public final class SymmetricEigen {

    /**
     * Relative asymmetry accepted as rounding. A matrix summed in a different order on each side
     * of the diagonal (e.g. G G^T accumulated over D terms) differs from its transpose by about
     * D * 2^-53 relative; 1e-8 accepts that up to D ~ 10^7 while rejecting genuinely non-symmetric input.
     */
    public static final double SYMMETRY_TOLERANCE = 1e-8;

    private SymmetricEigen() {
    }

    /** All n eigenpairs of the symmetric {@code a} (n x n), descending; trace = trace(a). */
    public static EigenPairs all(DMatrixRMaj a) {
        int n = Columns.requireSquare(a, "matrix");
        DMatrixRMaj sym = symmetrised(a, "matrix");
        double trace = CommonOps_DDRM.trace(sym);
        if (n == 0) {
            return new EigenPairs(0, new double[0], new double[0][], 0);
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(sym)) {
            throw new IllegalStateException("EJML symmetric eigendecomposition did not converge (n = " + n + ")");
        }
        double[] values = new double[n];
        double[][] vectors = new double[n][];
        for (int k = 0; k < n; k++) {
            values[k] = eig.getEigenvalue(k).getReal();
            vectors[k] = eig.getEigenVector(k).data.clone();     // n x 1 column
        }
        return EigenPairs.of(n, values, vectors, trace);
    }

    /**
     * The m algebraically largest eigenpairs (fewer if n < m). EJML has no partial symmetric solver,
     * so this costs the same as {@link #all}; prefer {@link Lanczos} when n is large and m small.
     */
    public static EigenPairs top(DMatrixRMaj a, int m) {
        if (m < 0) {
            throw new IllegalArgumentException("m must be >= 0, got " + m);
        }
        return all(a).top(m);
    }

    /**
     * {@code (a + a^T) / 2} as a new matrix, after checking that {@code a} is square, finite and
     * symmetric within {@link #SYMMETRY_TOLERANCE}.
     */
    static DMatrixRMaj symmetrised(DMatrixRMaj a, String name) {
        int n = Columns.requireSquare(a, name);
        double max = 0;
        for (int i = 0; i < a.getNumElements(); i++) {
            double v = a.data[i];
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(name + " has a non-finite entry at (" + i / n + ", " + i % n + "): " + v);
            }
            max = Math.max(max, Math.abs(v));
        }
        DMatrixRMaj s = new DMatrixRMaj(n, n);
        double worst = 0;
        int wi = 0;
        int wj = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double aij = a.unsafe_get(i, j);
                double aji = a.unsafe_get(j, i);
                double d = Math.abs(aij - aji);
                if (d > worst) {
                    worst = d;
                    wi = i;
                    wj = j;
                }
                double m = 0.5 * (aij + aji);
                s.unsafe_set(i, j, m);
                s.unsafe_set(j, i, m);
            }
        }
        if (worst > SYMMETRY_TOLERANCE * max) {
            throw new IllegalArgumentException(name + " is not symmetric: |a[" + wi + "][" + wj + "] - a[" + wj + "][" + wi
                + "]| = " + worst + " > " + SYMMETRY_TOLERANCE + " * max|a| = " + SYMMETRY_TOLERANCE * max);
        }
        return s;
    }
}
