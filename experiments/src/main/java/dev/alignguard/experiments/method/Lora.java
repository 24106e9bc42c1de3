package dev.alignguard.experiments.method;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonTypeName;

import dev.alignguard.training.objective.TaskObjective;

/** Standard LoRA: the task loss alone. The reference every drift reduction is measured against. */
@JsonTypeName(Lora.KIND)
@JsonClassDescription("standard LoRA: the task loss alone (the drift reference)")
public record Lora() implements Method {

    public static final String KIND = "lora";

    @Override
    public Strength strength() {
        return Strength.NONE;
    }

    @Override
    public boolean driftReference() {
        return true;
    }

    @Override
    public TrialPlan plan(TrialContext context, double strength) {
        return TrialPlan.of(new TaskObjective(context.model()));
    }
}
