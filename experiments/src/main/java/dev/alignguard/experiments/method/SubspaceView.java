package dev.alignguard.experiments.method;

import java.util.Map;

import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;

/**
 * What a method sees of each Fisher estimate: the alignment subspaces themselves, or the
 * random-subspace control (a random orthonormal basis of the same rank and eigenvalues per layer).
 */
@FunctionalInterface
public interface SubspaceView {

    /**
     * @param estimate the alignment subspaces just estimated at the current merged model
     * @param seed     the trial's seed
     * @param step     0 for the first estimate, the training step for a re-projection
     */
    Map<String, LayerSubspace> apply(Map<String, LayerSubspace> estimate, long seed, int step);

    /** The Fisher subspaces as estimated. */
    SubspaceView FISHER = (estimate, seed, step) -> estimate;

    /** The control: same rank and eigenvalues, random directions (fresh ones at every re-projection). */
    SubspaceView RANDOM_CONTROL = (estimate, seed, step) -> FisherEstimators.randomControl(estimate, seed + 7919 + step);
}
