package dev.alignguard.experiments.method;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonTypeName;

import dev.alignguard.training.objective.TaskObjective;

/**
 * Hard projection: the update the model sees is {@code (I - P_A) s B A}, so the alignment-critical
 * part is removed from every step by construction (re-estimated with {@code fisher.reproject_every}).
 */
@JsonTypeName(HardProjection.KIND)
@JsonClassDescription("hard projection: the model sees (I - P_A) s B A, the alignment part removed every step")
public record HardProjection() implements Method {

    public static final String KIND = "hard_projection";

    @Override
    public Strength strength() {
        return Strength.NONE;
    }

    @Override
    public TrialPlan plan(TrialContext context, double strength) {
        dev.alignguard.training.baselines.HardProjection.install(context.model(),
            context.trackAlignmentSubspaces(SubspaceView.FISHER));
        return TrialPlan.of(new TaskObjective(context.model()));
    }
}
