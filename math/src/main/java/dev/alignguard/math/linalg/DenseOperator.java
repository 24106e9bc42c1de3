package dev.alignguard.math.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/** {@link SymmetricOperator} over an explicit symmetric matrix; built by {@link SymmetricOperator#dense}. */
final class DenseOperator implements SymmetricOperator {

    private final DMatrixRMaj a;        // n x n, symmetric, owned
    private final double trace;

    DenseOperator(DMatrixRMaj symmetric) {
        this.a = symmetric;
        this.trace = CommonOps_DDRM.trace(symmetric);
    }

    @Override
    public int dim() {
        return a.numRows;
    }

    @Override
    public void apply(double[] x, double[] y) {
        int n = a.numRows;
        if (x.length != n || y.length != n) {
            throw new IllegalArgumentException("operator is " + n + " x " + n + ", got x of length " + x.length
                + " and y of length " + y.length);
        }
        if (x == y) {
            throw new IllegalArgumentException("y must not alias x");
        }
        for (int i = 0; i < n; i++) {
            double s = 0;
            int row = i * n;
            for (int j = 0; j < n; j++) {
                s += a.data[row + j] * x[j];
            }
            y[i] = s;
        }
    }

    @Override
    public double trace() {
        return trace;
    }
}
