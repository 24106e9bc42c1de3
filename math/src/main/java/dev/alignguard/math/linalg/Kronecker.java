package dev.alignguard.math.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Kronecker-product identities under this package's <b>row-major vec</b>
 * ({@code vec(X)[i * cols + j] = X[i][j]}, how a weight matrix is stored):
 *
 * <pre>
 *   vec(q p^T)          = q (x) p
 *   (S (x) A) vec(X)    = vec(S X A^T)        S: p x q, A: r x s, X: q x s, result p x r
 *   (S (x) A)(q (x) p)  = (S q) (x) (A p)     so eigenpairs of S (x) A are (sigma_i alpha_j, q_i (x) p_j)
 * </pre>
 * For a layer's weight gradient dW = delta a^T (d_out x d_in), vec(dW) = delta (x) a, hence
 * E[vec dW vec dW^T] ~ E[delta delta^T] (x) E[a a^T] = S (x) A under the K-FAC independence
 * assumption. The literature's {@code A (x) S} is the same operator under column-major vec.
 */
public final class Kronecker {

    private Kronecker() {
    }

    /** The explicit S (x) A ((p r) x (q s)); for tests and small sizes only, it has (pq)(rs) entries. */
    public static DMatrixRMaj product(DMatrixRMaj s, DMatrixRMaj a) {
        if (s == null || a == null) {
            throw new IllegalArgumentException("factors must not be null");
        }
        return CommonOps_DDRM.kron(s, a, null);
    }

    /**
     * {@code out = (S (x) A) x = vec(S X A^T)} without forming the product: X = unvec(x) is q x s,
     * cost O(p q s + p s r). {@code out} (length p r) may alias {@code x} when the shapes allow it.
     */
    public static void apply(DMatrixRMaj s, DMatrixRMaj a, double[] x, double[] out) {
        int p = s.numRows;
        int q = s.numCols;
        int r = a.numRows;
        int sCols = a.numCols;
        if (x.length != q * sCols) {
            throw new IllegalArgumentException("x has length " + x.length + ", expected " + q + " * " + sCols
                + " for S (" + p + " x " + q + ") (x) A (" + r + " x " + sCols + ")");
        }
        if (out.length != p * r) {
            throw new IllegalArgumentException("out has length " + out.length + ", expected " + p + " * " + r);
        }
        DMatrixRMaj xm = unvec(x, q, sCols);                // q x s
        DMatrixRMaj sx = new DMatrixRMaj(p, sCols);         // p x s
        CommonOps_DDRM.mult(s, xm, sx);
        DMatrixRMaj y = new DMatrixRMaj(p, r);              // p x r = (S X) A^T
        CommonOps_DDRM.multTransB(sx, a, y);
        System.arraycopy(y.data, 0, out, 0, p * r);
    }

    /** vec(q p^T) = q (x) p, length |q| |p|. */
    public static double[] outer(double[] q, double[] p) {
        double[] v = new double[q.length * p.length];
        for (int i = 0; i < q.length; i++) {
            for (int j = 0; j < p.length; j++) {
                v[i * p.length + j] = q[i] * p[j];
            }
        }
        return v;
    }

    /** vec(X): a copy of the row-major data. */
    public static double[] vec(DMatrixRMaj x) {
        return x.data.length == x.getNumElements() ? x.data.clone() : java.util.Arrays.copyOf(x.data, x.getNumElements());
    }

    /** unvec: the rows x cols matrix whose row-major vec is {@code v} (copied). */
    public static DMatrixRMaj unvec(double[] v, int rows, int cols) {
        if (rows < 0 || cols < 0 || v.length != rows * cols) {
            throw new IllegalArgumentException("cannot reshape a vector of length " + v.length + " to " + rows + " x " + cols);
        }
        return new DMatrixRMaj(rows, cols, true, v.clone());
    }
}
