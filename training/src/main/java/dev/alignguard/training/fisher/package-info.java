/**
 * Fisher estimators of the alignment data (exact Gram, Lanczos, K-FAC, diagonal) behind one interface, per-example gradients, the alignment subspaces, and Fisher curvatures used as penalty weights.
 */
package dev.alignguard.training.fisher;
