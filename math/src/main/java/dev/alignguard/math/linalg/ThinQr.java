package dev.alignguard.math.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * Thin (economy) QR of a tall matrix by EJML's Householder QR, normalised so R has a nonnegative
 * diagonal. With that sign fix Q is unique for a full-column-rank A, and Q of a Gaussian A is a
 * Haar-distributed orthonormal basis (used by {@link Orthonormalize#random}).
 *
 * <pre>
 *   A : n x m, n >= m
 *   Q : n x m, Q^T Q = I (to rounding, Householder is backward stable)
 *   R : m x m, upper triangular, R_kk >= 0, A = Q R
 * </pre>
 * For rank-deficient A, Q is still orthonormal and span(A) is contained in span(Q), but the
 * columns that correspond to zero R_kk are arbitrary completions.
 * Immutable: the factors are copied in and out.
 */
public record ThinQr(DMatrixRMaj q, DMatrixRMaj r) {

    public ThinQr {
        q = q.copy();
        r = r.copy();
    }

    /** Factorises {@code a} (n x m, n >= m, finite); {@code a} is not modified. */
    public static ThinQr of(DMatrixRMaj a) {
        if (a == null) {
            throw new IllegalArgumentException("matrix is null");
        }
        int n = a.numRows;
        int m = a.numCols;
        if (n < m) {
            throw new IllegalArgumentException("thin QR needs rows >= columns, got " + n + " x " + m);
        }
        for (int i = 0; i < a.getNumElements(); i++) {
            if (!Double.isFinite(a.data[i])) {
                throw new IllegalArgumentException("matrix has a non-finite entry: " + a.data[i]);
            }
        }
        if (m == 0) {
            return new ThinQr(new DMatrixRMaj(n, 0), new DMatrixRMaj(0, 0));
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(n, m);
        if (!qr.decompose(a.copy())) {
            throw new IllegalStateException("EJML QR failed on a " + n + " x " + m + " matrix");
        }
        DMatrixRMaj q = qr.getQ(null, true);    // n x m
        DMatrixRMaj r = qr.getR(null, true);    // m x m
        for (int k = 0; k < m; k++) {
            if (r.unsafe_get(k, k) < 0) {       // flip column k of Q and row k of R: A = Q R unchanged
                for (int i = 0; i < n; i++) {
                    q.unsafe_set(i, k, -q.unsafe_get(i, k));
                }
                for (int j = k; j < m; j++) {       // R is upper triangular: leave the zeros (and their sign) alone
                    r.unsafe_set(k, j, -r.unsafe_get(k, j));
                }
            }
        }
        return new ThinQr(q, r);
    }

    @Override
    public DMatrixRMaj q() {
        return q.copy();
    }

    @Override
    public DMatrixRMaj r() {
        return r.copy();
    }
}
