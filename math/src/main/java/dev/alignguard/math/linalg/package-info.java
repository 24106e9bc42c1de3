/**
 * Double-precision linear algebra for the Fisher geometry: dense and matrix-free symmetric eigen
 * solvers, thin QR, Kronecker identities.
 *
 * <h2>Conventions used throughout</h2>
 * <ul>
 *   <li><b>Vectors</b> are {@code double[]}. A set of m vectors of length D, "the columns of U (D x m)",
 *       is a {@code double[m][D]}: {@code columns[k]} is column k. This is the natural layout for
 *       per-example gradients and eigenvectors (each is one contiguous array) and is the only
 *       layout the public API takes; {@link dev.alignguard.math.linalg.Columns} converts to and from
 *       EJML's {@link org.ejml.data.DMatrixRMaj}.</li>
 *   <li><b>vec</b> is the <em>row-major</em> flattening of a matrix: for X (d_out x d_in),
 *       {@code vec(X)[i * d_in + j] = X[i][j]}, exactly how a layer's weight W is stored. So
 *       {@code vec(q p^T) = q (x) p} and, for symmetric S (d_out x d_out) and A (d_in x d_in),
 *       <pre>  (S (x) A) vec(X) = vec(S X A)          (row-major vec)</pre>
 *       The K-FAC literature writes the same Fisher approximation as {@code A (x) S}: that is the
 *       identical operator under the column-major vec. Here, with row-major vec, the Kronecker
 *       factor order is <b>S (x) A</b> (output-side factor first). See {@link dev.alignguard.math.linalg.Kronecker}.</li>
 *   <li><b>Eigenpairs</b> are sorted by eigenvalue descending (algebraically largest first) and
 *       carry a sign convention, see {@link dev.alignguard.math.linalg.EigenPairs}.</li>
 * </ul>
 * Dense decompositions are EJML's ({@code ejml-ddense}); inputs are always copied before EJML sees
 * them, so no method here modifies its arguments.
 */
package dev.alignguard.math.linalg;
