package dev.alignguard.experiments.method;

import java.util.Objects;

import dev.alignguard.training.trainer.Objective;
import dev.alignguard.training.trainer.StepHook;

/**
 * What a method contributes to one trial: the objective the trainer minimises, an action run after
 * each optimizer step (the adaptive method's λA controller; nothing for the others), and an action
 * run on the trained model before evaluation (Safe-LoRA's post-hoc projection; nothing for the others).
 */
public record TrialPlan(Objective objective, StepHook afterStep, Runnable afterTraining) {

    public TrialPlan {
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(afterStep, "afterStep");
        Objects.requireNonNull(afterTraining, "afterTraining");
    }

    /** Train on this objective, nothing after each step, then run {@code afterTraining}. */
    public TrialPlan(Objective objective, Runnable afterTraining) {
        this(objective, step -> {
        }, afterTraining);
    }

    /** Train on this objective; nothing after each step or after training. */
    public static TrialPlan of(Objective objective) {
        return new TrialPlan(objective, () -> {
        });
    }
}
