/**
 * Orthogonal projectors on the vec space R^D of a layer's weight (D = d_out * d_in, row-major vec
 * as in {@link dev.alignguard.math.linalg}): the alignment-critical subspace P_A of AlignGuard and
 * its complement I - P_A.
 *
 * <p>One interface, {@link dev.alignguard.math.projection.Projector}, and one implementation per
 * Fisher estimator: {@link dev.alignguard.math.projection.BasisProjector} (exact Gram, Lanczos, any
 * dense eig), {@link dev.alignguard.math.projection.KroneckerProjector} (K-FAC) and
 * {@link dev.alignguard.math.projection.MaskProjector} (diagonal, EWC-style). Each is built with a
 * {@link dev.alignguard.math.projection.SelectionRule}: keep the top m directions, or the fewest
 * that capture a fraction of the Fisher's trace. None of them ever forms a D x D matrix (except
 * {@link dev.alignguard.math.projection.Projector#asMatrix()}, for tests on small D).
 */
package dev.alignguard.math.projection;
