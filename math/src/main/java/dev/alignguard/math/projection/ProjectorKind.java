package dev.alignguard.math.projection;

/** Which Fisher estimator a projector came from, for reports. */
public enum ProjectorKind {
    /** P = U U^T from an explicit orthonormal basis (exact Gram, Lanczos, dense eig). */
    BASIS,
    /** K-FAC: kept Kronecker products q_i (x) p_j of the factors' eigenvectors. */
    KRONECKER,
    /** Diagonal Fisher: a coordinate mask. */
    MASK
}
