package dev.alignguard.experiments.method;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonTypeName;

import dev.alignguard.training.objective.UpdatePenaltyObjective;

/** L2 on the update: {@code L_task + lambda ||dW||_F^2} summed over adapted layers; strength = lambda. */
@JsonTypeName(L2.KIND)
@JsonClassDescription("L2 on the update: L_task + λ ||dW||^2; strength = λ")
public record L2() implements Method {

    public static final String KIND = "l2";

    @Override
    public Strength strength() {
        return Strength.LAMBDA;
    }

    @Override
    public TrialPlan plan(TrialContext context, double strength) {
        return TrialPlan.of(UpdatePenaltyObjective.l2(context.model(), strength));
    }
}
