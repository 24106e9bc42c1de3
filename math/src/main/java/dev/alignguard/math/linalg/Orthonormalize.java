package dev.alignguard.math.linalg;

import java.util.Random;

/**
 * Orthonormal bases in the column-array layout: orthonormalise given columns, draw a random
 * (Haar) basis, and measure how far columns are from orthonormal.
 */
public final class Orthonormalize {

    private Orthonormalize() {
    }

    /**
     * Orthonormal columns spanning the same space as {@code cols} (m columns of length D, m <= D),
     * by {@link ThinQr}: Q's column k spans the new direction of column k given columns 0..k-1
     * (Gram-Schmidt order). Rank-deficient input gets arbitrary completing directions, see ThinQr.
     */
    public static double[][] columns(int dim, double[][] cols) {
        Columns.requireShape(dim, cols, "columns");
        if (cols.length > dim) {
            throw new IllegalArgumentException("cannot have " + cols.length + " orthonormal columns in R^" + dim);
        }
        return Columns.fromMatrix(ThinQr.of(Columns.toMatrix(dim, cols)).q());
    }

    /** A uniformly random (Haar) set of m orthonormal columns in R^D: QR of a Gaussian D x m matrix with R_kk >= 0. */
    public static double[][] random(int dim, int m, Random rng) {
        if (dim < 1 || m < 0 || m > dim) {
            throw new IllegalArgumentException("need 0 <= m <= D and D >= 1, got D = " + dim + ", m = " + m);
        }
        double[][] g = new double[m][dim];
        for (double[] col : g) {
            for (int i = 0; i < dim; i++) {
                col[i] = rng.nextGaussian();
            }
        }
        return columns(dim, g);
    }

    /**
     * Orthonormalised copies of {@code cols} by modified Gram-Schmidt, two sweeps ("twice is
     * enough"): column k loses its components along columns 0..k-1 and is normalised, so column 0
     * only changes by normalisation. Meant for nearly orthonormal or well-conditioned input,
     * without the D x m copies a QR needs; O(D m^2).
     *
     * @throws IllegalArgumentException when a column is (numerically) in the span of the earlier ones
     */
    public static double[][] gramSchmidt(int dim, double[][] cols) {
        Columns.requireShape(dim, cols, "columns");
        double[][] q = Columns.copy(cols);
        for (int k = 0; k < q.length; k++) {
            double before = Vec.norm(q[k]);
            for (int sweep = 0; sweep < 2; sweep++) {
                for (int l = 0; l < k; l++) {
                    Vec.axpy(-Vec.dot(q[l], q[k]), q[l], q[k]);
                }
            }
            double after = Vec.norm(q[k]);
            if (!(after > 1e-8 * before) || !Double.isFinite(after)) {
                throw new IllegalArgumentException("column " + k + " is linearly dependent on the earlier columns"
                    + " (norm " + before + " -> " + after + " after orthogonalisation)");
            }
            Vec.scale(1 / after, q[k]);
        }
        return q;
    }

    /** {@code max_{k,l} |<u_k, u_l> - delta_kl|}: 0 for exactly orthonormal columns. */
    public static double deviation(double[][] cols) {
        double worst = 0;
        for (int k = 0; k < cols.length; k++) {
            for (int l = k; l < cols.length; l++) {
                double d = Vec.dot(cols[k], cols[l]) - (k == l ? 1 : 0);
                worst = Math.max(worst, Math.abs(d));
            }
        }
        return worst;
    }
}
