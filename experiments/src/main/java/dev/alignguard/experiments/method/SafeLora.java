package dev.alignguard.experiments.method;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonTypeName;

import dev.alignguard.training.objective.TaskObjective;

/**
 * Safe-LoRA-style post-hoc projection: train with the task loss alone, then project each layer's
 * update onto the aligned-minus-unaligned weight direction where its similarity to that direction is
 * below the threshold; strength = the threshold (0.5 when the spec lists none).
 */
@JsonTypeName(SafeLora.KIND)
@JsonClassDescription("Safe-LoRA: post-hoc projection onto the aligned-minus-unaligned direction; strength = similarity threshold")
public record SafeLora() implements Method {

    public static final String KIND = "safe_lora";
    /** The threshold when the spec lists no strength. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    @Override
    public Strength strength() {
        return new Strength("threshold", false);
    }

    @Override
    public TrialPlan plan(TrialContext context, double strength) {
        double threshold = Double.isNaN(strength) ? DEFAULT_THRESHOLD : strength;
        return new TrialPlan(new TaskObjective(context.model()), () -> dev.alignguard.training.baselines.SafeLora.apply(
            context.model(), context.aligned(), context.unaligned(), threshold, context.kernels()));
    }
}
