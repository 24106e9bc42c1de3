package dev.alignguard.math.linalg;

import org.ejml.data.DMatrixRMaj;

/**
 * Conversions between the package's column-array layout ({@code double[m][D]}, {@code cols[k]} is
 * column k of a D x m matrix) and EJML's row-major {@link DMatrixRMaj}, plus shape checks.
 */
public final class Columns {

    private Columns() {
    }

    /** U (D x m) as an EJML matrix; {@code dim} is needed because m may be 0. */
    public static DMatrixRMaj toMatrix(int dim, double[][] cols) {
        requireShape(dim, cols, "columns");
        DMatrixRMaj u = new DMatrixRMaj(dim, cols.length);   // D x m
        for (int k = 0; k < cols.length; k++) {
            for (int i = 0; i < dim; i++) {
                u.unsafe_set(i, k, cols[k][i]);
            }
        }
        return u;
    }

    /** The columns of {@code u} (D x m) as {@code double[m][D]}. */
    public static double[][] fromMatrix(DMatrixRMaj u) {
        double[][] cols = new double[u.numCols][u.numRows];
        for (int k = 0; k < u.numCols; k++) {
            for (int i = 0; i < u.numRows; i++) {
                cols[k][i] = u.unsafe_get(i, k);
            }
        }
        return cols;
    }

    /** A deep copy. */
    public static double[][] copy(double[][] cols) {
        double[][] out = new double[cols.length][];
        for (int k = 0; k < cols.length; k++) {
            out[k] = cols[k].clone();
        }
        return out;
    }

    /** Throws unless every column exists and has length {@code dim}. */
    public static void requireShape(int dim, double[][] cols, String name) {
        if (dim < 0) {
            throw new IllegalArgumentException(name + ": dimension must be >= 0, got " + dim);
        }
        if (cols == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        for (int k = 0; k < cols.length; k++) {
            if (cols[k] == null) {
                throw new IllegalArgumentException(name + "[" + k + "] is null");
            }
            if (cols[k].length != dim) {
                throw new IllegalArgumentException(name + "[" + k + "] has length " + cols[k].length
                    + ", expected " + dim);
            }
        }
    }

    /** Throws unless {@code a} is square; returns its size. */
    public static int requireSquare(DMatrixRMaj a, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (a.numRows != a.numCols) {
            throw new IllegalArgumentException(name + " must be square, got " + a.numRows + " x " + a.numCols);
        }
        return a.numRows;
    }
}
