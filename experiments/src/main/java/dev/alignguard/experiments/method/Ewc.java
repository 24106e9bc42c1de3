package dev.alignguard.experiments.method;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonTypeName;

import dev.alignguard.training.objective.UpdatePenaltyObjective;

/**
 * EWC on the update: {@code L_task + lambda sum_i F_ii dW_i^2} with F the diagonal Fisher of the
 * alignment data at the aligned model (normalised by its largest entry over layers); strength = lambda.
 */
@JsonTypeName(Ewc.KIND)
@JsonClassDescription("EWC: L_task + λ Σ F_ii dW_i^2, F the diagonal alignment Fisher; strength = λ")
public record Ewc() implements Method {

    public static final String KIND = "ewc";

    @Override
    public Strength strength() {
        return Strength.LAMBDA;
    }

    @Override
    public TrialPlan plan(TrialContext context, double strength) {
        return TrialPlan.of(new UpdatePenaltyObjective(KIND, context.model(), strength, context.alignmentDiagonal()));
    }
}
