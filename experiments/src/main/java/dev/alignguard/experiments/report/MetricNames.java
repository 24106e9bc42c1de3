package dev.alignguard.experiments.report;

import java.util.Locale;

/**
 * The metric keys of {@code MethodSummary.metrics}, {@code Summary.aligned} and
 * {@code TrialRecord.metrics}, and the method kinds the report treats specially. Rates are
 * fractions in [0, 1] (the report prints them as percentages); {@code drift} is a difference of
 * rates (printed in percentage points); {@code drift_reduction} is a fraction (printed in percent).
 */
public final class MetricNames {

    public static final String REFUSAL_UNSAFE = "refusal_unsafe";
    public static final String OVER_REFUSAL_SAFE = "over_refusal_safe";
    public static final String TASK_ACCURACY = "task_accuracy";
    public static final String ALIGNMENT_NLL = "alignment_nll";
    public static final String DRIFT = "drift";
    public static final String DRIFT_REDUCTION = "drift_reduction";
    public static final String HARMFUL_COMPLIANCE = "harmful_compliance";
    public static final String SAFE_ACCURACY = "safe_accuracy";
    public static final String REFUSAL_HELD_OUT_OBJECTS = "refusal_unsafe_held_out_objects";
    public static final String REFUSAL_HELD_OUT_VERBS = "refusal_unsafe_held_out_verbs";

    /** Standard LoRA: the baseline every drift reduction is measured against. */
    public static final String KIND_LORA = "lora";
    /** AlignGuard-LoRA (any combination of its terms). */
    public static final String KIND_ALIGNGUARD = "alignguard";
    /** The control: the same penalty on a random subspace of the same rank. */
    public static final String KIND_RANDOM_SUBSPACE = "random_subspace";
    public static final String KIND_L2 = "l2";
    public static final String KIND_EWC = "ewc";

    private MetricNames() {
    }

    /** A kind compared case-insensitively, with '-' and ' ' read as '_' ("Random-Subspace" is "random_subspace"). */
    public static String normalizeKind(String kind) {
        return kind == null ? "" : kind.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    /** Whether {@code kind} names {@code expected} after {@link #normalizeKind}. */
    public static boolean isKind(String kind, String expected) {
        return normalizeKind(kind).equals(expected);
    }
}
