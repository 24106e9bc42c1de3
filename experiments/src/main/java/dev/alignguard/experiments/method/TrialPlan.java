package dev.alignguard.experiments.method;

import java.util.Objects;

import dev.alignguard.training.trainer.Objective;

/**
 * What a method contributes to one trial: the objective the trainer minimises, and an action run on
 * the trained model before evaluation (Safe-LoRA's post-hoc projection; nothing for the others).
 */
public record TrialPlan(Objective objective, Runnable afterTraining) {

    public TrialPlan {
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(afterTraining, "afterTraining");
    }

    /** Train on this objective; nothing after training. */
    public static TrialPlan of(Objective objective) {
        return new TrialPlan(objective, () -> { });
    }
}
