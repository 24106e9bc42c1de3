package dev.alignguard.math.linalg;

import org.ejml.data.DMatrixRMaj;

/**
 * A symmetric linear operator on R^D known only through its matrix-vector product, the input of
 * matrix-free solvers such as {@link Lanczos}. Implementations must be symmetric
 * ({@code <x, Op y> = <Op x, y>}) for the solver's guarantees to hold; nothing checks it.
 */
public interface SymmetricOperator {

    /** D, the length of the vectors it acts on. */
    int dim();

    /**
     * {@code y = Op x}. Both have length {@link #dim()}; x is not modified; y must not alias x
     * (every entry of y is overwritten, its old content is ignored).
     */
    void apply(double[] x, double[] y);

    /** trace(Op) if the operator knows it cheaply, else NaN (the default). Lets energy rules work downstream. */
    default double trace() {
        return Double.NaN;
    }

    /** The operator x -> A x for a dense symmetric A (n x n); A is checked and copied. */
    static SymmetricOperator dense(DMatrixRMaj a) {
        return new DenseOperator(SymmetricEigen.symmetrised(a, "operator matrix"));
    }
}
