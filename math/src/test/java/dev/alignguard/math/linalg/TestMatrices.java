package dev.alignguard.math.linalg;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;

/** Random test matrices (Gaussian entries) shared by the unit tests. */
final class TestMatrices {

    private TestMatrices() {
    }

    static double[] gaussian(Random rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    /** (B + B^T) / 2 with Gaussian B, n x n. */
    static DMatrixRMaj symmetric(Random rng, int n) {
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double v = rng.nextGaussian();
                a.set(i, j, v);
                a.set(j, i, v);
            }
        }
        return a;
    }

    /** B B^T / k with Gaussian B (n x k): PSD of rank min(n, k). */
    static DMatrixRMaj psd(Random rng, int n, int k) {
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        double[][] b = new double[k][];
        for (int c = 0; c < k; c++) {
            b[c] = gaussian(rng, n);
        }
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                for (int c = 0; c < k; c++) {
                    s += b[c][i] * b[c][j];
                }
                a.set(i, j, s / k);
                a.set(j, i, s / k);
            }
        }
        return a;
    }

    /** ||A x - lambda x|| for a dense A. */
    static double residual(DMatrixRMaj a, double lambda, double[] x) {
        double[] ax = new double[x.length];
        SymmetricOperator.dense(a).apply(x, ax);
        Vec.axpy(-lambda, x, ax);
        return Vec.norm(ax);
    }

    /** |<x, y>| for unit vectors: 1 when they agree up to sign. */
    static double alignment(double[] x, double[] y) {
        return Math.abs(Vec.dot(x, y)) / (Vec.norm(x) * Vec.norm(y));
    }
}
