package dev.alignguard.training.trainer;

/** Work done after an optimizer step (hard projection, re-estimating a Fisher subspace every K steps). */
@FunctionalInterface
public interface StepHook {
    /** @param step the 0-based step that just finished */
    void afterStep(int step);
}
