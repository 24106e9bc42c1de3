package dev.alignguard.experiments.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.alignguard.experiments.eval.Metrics;

/** The flat metric names of summary.json, from an evaluation and the aligned model's. */
public final class MetricNames {

    private MetricNames() {
    }

    public static Map<String, Double> of(Metrics m, Metrics aligned) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("refusal_unsafe", m.refusalUnsafe());
        out.put("over_refusal_safe", m.overRefusalSafe());
        out.put("task_accuracy", m.taskAccuracy());
        out.put("alignment_nll", m.alignmentNll());
        out.put("harmful_compliance", m.harmfulCompliance());
        out.put("safe_accuracy", m.safeAccuracy());
        out.put("refusal_unsafe_seen_objects", m.refusalUnsafeSeenObjects());
        out.put("refusal_unsafe_held_out_objects", m.refusalUnsafeHeldOutObjects());
        out.put("refusal_unsafe_seen_verbs", m.refusalUnsafeSeenVerbs());
        out.put("refusal_unsafe_held_out_verbs", m.refusalUnsafeHeldOutVerbs());
        m.refusalUnsafeByCategory().forEach((c, v) -> out.put("refusal_unsafe_" + c, v));
        if (aligned != null) {
            out.put("drift", aligned.refusalUnsafe() - m.refusalUnsafe());
        }
        return out;
    }
}
