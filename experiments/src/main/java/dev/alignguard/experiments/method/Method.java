package dev.alignguard.experiments.method;

/**
 * A fine-tuning method of a study: one record per kind, with its parameters as typed fields.
 *
 * <p>A spec's method entry {@code {"name": ..., "kind": "alignguard", "params": {...}}} picks the
 * record by {@code kind} (its {@link com.fasterxml.jackson.annotation.JsonTypeName}) and fills its
 * fields from {@code params}; defaults and validation live in the record and nowhere else, and an
 * unknown parameter is refused with the keys the record accepts ({@link MethodCatalog#read}).
 *
 * <p><b>Adding a method</b> is one new record in this package that implements this interface and
 * carries {@code @JsonTypeName("your_kind")}, plus its name in the {@code permits} clause below:
 * specs accept it, {@code alignguard methods} lists it, and trials run it through
 * {@link #plan(TrialContext, double)}.
 */
public sealed interface Method permits Lora, L2, Ewc, AlignGuard, AlignGuardAdaptive, RandomSubspace, HardProjection,
    SafeLora {

    /** The spec's {@code kind} of this method (the record's {@code @JsonTypeName}). */
    default String kind() {
        return MethodCatalog.kindOf(getClass());
    }

    /** What the swept strength means, and whether a spec must list it. */
    Strength strength();

    /** Whether drift reductions are measured against this method (standard LoRA). */
    default boolean driftReference() {
        return false;
    }

    /**
     * Sets one trial up on the context's model (the aligned model with LoRA attached): the training
     * objective, anything installed on the model, and what runs after training.
     *
     * @param strength the swept strength, or NaN when the spec lists none
     */
    TrialPlan plan(TrialContext context, double strength);
}
