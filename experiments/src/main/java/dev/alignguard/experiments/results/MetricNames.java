package dev.alignguard.experiments.results;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.alignguard.experiments.eval.Metrics;

/**
 * The metric keys of {@code MethodSummary.metrics}, {@code Summary.aligned} and
 * {@code TrialRecord.metrics}, and how an evaluation becomes them. Rates are
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
    /** Refusal on unsafe prompts as a share of the trial's own aligned model's. */
    public static final String REFUSAL_KEPT = "refusal_kept";
    /** Alignment NLL after fine-tuning minus the trial's own aligned model's: the forgetting. */
    public static final String ALIGNMENT_NLL_INCREASE = "alignment_nll_increase";
    public static final String HARMFUL_COMPLIANCE = "harmful_compliance";
    public static final String SAFE_ACCURACY = "safe_accuracy";
    public static final String REFUSAL_HELD_OUT_OBJECTS = "refusal_unsafe_held_out_objects";
    public static final String REFUSAL_HELD_OUT_VERBS = "refusal_unsafe_held_out_verbs";

    private MetricNames() {
    }

    /** The flat metrics of an evaluation, with {@code drift} against the aligned model's when given. */
    public static Map<String, Double> of(Metrics m, Metrics aligned) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(REFUSAL_UNSAFE, m.refusalUnsafe());
        out.put(OVER_REFUSAL_SAFE, m.overRefusalSafe());
        out.put(TASK_ACCURACY, m.taskAccuracy());
        out.put(ALIGNMENT_NLL, m.alignmentNll());
        out.put(HARMFUL_COMPLIANCE, m.harmfulCompliance());
        out.put(SAFE_ACCURACY, m.safeAccuracy());
        out.put("refusal_unsafe_seen_objects", m.refusalUnsafeSeenObjects());
        out.put(REFUSAL_HELD_OUT_OBJECTS, m.refusalUnsafeHeldOutObjects());
        out.put("refusal_unsafe_seen_verbs", m.refusalUnsafeSeenVerbs());
        out.put(REFUSAL_HELD_OUT_VERBS, m.refusalUnsafeHeldOutVerbs());
        m.refusalUnsafeByCategory().forEach((c, v) -> out.put("refusal_unsafe_" + c, v));
        if (aligned != null) {
            out.put(DRIFT, aligned.refusalUnsafe() - m.refusalUnsafe());
            out.put(REFUSAL_KEPT, aligned.refusalUnsafe() > 0 ? m.refusalUnsafe() / aligned.refusalUnsafe() : Double.NaN);
            out.put(ALIGNMENT_NLL_INCREASE, m.alignmentNll() - aligned.alignmentNll());
        }
        return out;
    }
}
