package dev.alignguard.math.projection;

import org.ejml.data.DMatrixRMaj;

/**
 * An orthogonal projector P on R^D (P^2 = P = P^T), here onto the alignment-critical subspace of
 * a layer's weight space: for an update dW, {@code dW_A = unvec(P vec dW)} and
 * {@code dW_T = dW - dW_A = unvec((I - P) vec dW)}.
 *
 * <p><b>Aliasing</b>: every {@code apply}/{@code complement} reads all of x before it writes
 * {@code out}, so {@code out} may be the same array as {@code x} (in place) or a different one.
 * Lengths must both be {@link #dim()}.
 *
 * <p>Implementations never form the D x D matrix; {@link #asMatrix()} does, for tests.
 */
public interface Projector {

    /** Largest D for which {@link #asMatrix()} agrees to allocate (4096^2 doubles = 128 MiB). */
    int MAX_DENSE_DIM = 4096;

    /** D, the dimension of the space (d_out * d_in for a layer). */
    int dim();

    /** The dimension of the range, m = trace(P). */
    int rank();

    /** Which estimator built it. */
    ProjectorKind kind();

    /** {@code out = P x}; {@code out} may alias {@code x}. */
    void apply(double[] x, double[] out);

    /** {@code P x} as a new array. */
    default double[] apply(double[] x) {
        double[] out = new double[dim()];
        apply(x, out);
        return out;
    }

    /** {@code out = (I - P) x = x - P x}; {@code out} may alias {@code x}. */
    default void complement(double[] x, double[] out) {
        double[] px = new double[dim()];
        apply(x, px);                           // checks lengths of x; px is fresh, so x is intact
        if (out.length != dim()) {
            throw new IllegalArgumentException("out has length " + out.length + ", projector dimension is " + dim());
        }
        for (int i = 0; i < px.length; i++) {
            out[i] = x[i] - px[i];
        }
    }

    /** {@code (I - P) x} as a new array. */
    default double[] complement(double[] x) {
        double[] out = new double[dim()];
        complement(x, out);
        return out;
    }

    /**
     * The fraction of the estimated Fisher's trace that the kept eigenvalues capture,
     * {@code sum(keptEigenvalues()) / trace(F)}, in [0, 1] for a PSD Fisher. NaN when not
     * applicable: the projector was built from a bare basis or coordinate set (no spectrum),
     * or the operator's trace is unknown (e.g. Lanczos on an operator without a cheap trace) or 0.
     */
    double capturedTraceFraction();

    /**
     * The Fisher eigenvalues of the kept directions, descending, length {@link #rank()}; entries are
     * NaN when the projector was built without a spectrum.
     */
    double[] keptEigenvalues();

    /**
     * P as a dense D x D EJML matrix, column k = P e_k; for tests and small D only.
     *
     * @throws IllegalStateException when D > {@link #MAX_DENSE_DIM}
     */
    default DMatrixRMaj asMatrix() {
        int d = dim();
        if (d > MAX_DENSE_DIM) {
            throw new IllegalStateException("asMatrix() would allocate a " + d + " x " + d
                + " matrix; it is meant for D <= " + MAX_DENSE_DIM);
        }
        DMatrixRMaj p = new DMatrixRMaj(d, d);
        double[] e = new double[d];
        double[] col = new double[d];
        for (int k = 0; k < d; k++) {
            e[k] = 1;
            apply(e, col);
            e[k] = 0;
            for (int i = 0; i < d; i++) {
                p.unsafe_set(i, k, col[i]);
            }
        }
        return p;
    }

    /** Throws unless x and out both have length {@code dim}; a shared check for implementations. */
    static void requireLengths(int dim, double[] x, double[] out) {
        if (x == null || out == null) {
            throw new IllegalArgumentException("x and out must not be null");
        }
        if (x.length != dim || out.length != dim) {
            throw new IllegalArgumentException("projector acts on R^" + dim + ", got x of length " + x.length
                + " and out of length " + out.length);
        }
    }
}
