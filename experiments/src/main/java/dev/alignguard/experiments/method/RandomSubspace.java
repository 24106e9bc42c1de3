package dev.alignguard.experiments.method;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The control: AlignGuard's objective with the same parameters, on a random orthonormal basis of the
 * same rank and eigenvalues per layer instead of the Fisher's. It tells whether the Fisher directions
 * matter or only the penalty's size. Its parameters are exactly AlignGuard's.
 */
@JsonTypeName(RandomSubspace.KIND)
@JsonClassDescription("control: AlignGuard's terms on a random subspace of the same rank and eigenvalues; strength = λA")
public record RandomSubspace(@JsonValue AlignGuard terms) implements Method {

    public static final String KIND = "random_subspace";

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public RandomSubspace {
        MethodCatalog.require(terms != null, "random_subspace needs AlignGuard's parameters");
    }

    @Override
    public Strength strength() {
        return terms.strength();
    }

    @Override
    public TrialPlan plan(TrialContext context, double strength) {
        return terms.plan(context, strength, SubspaceView.RANDOM_CONTROL);
    }
}
