package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A sequential study's result, as summary.json holds it under {@code analyses.continual}: per method
 * and strength, how it ran the sequence (adapter merged or continued, Fisher fixed or re-estimated),
 * and per stage (0: the aligned model; k: after task k) every tracked metric with its nested
 * interval ({@link NestedStats}).
 *
 * @param tasks         tasks in the sequence
 * @param intervalModel how the intervals are computed
 * @param pairedWith    the method the paired drift differences are against (the spec's first {@code alignguard}); null: none
 * @param methods       one entry per method and strength, in spec order
 */
public record ContinualResult(@JsonProperty("tasks") int tasks,
                              @JsonProperty("interval_model") String intervalModel,
                              @JsonProperty("paired_with") String pairedWith,
                              @JsonProperty("methods") List<Method> methods) {

    /**
     * The stage statistic of the paired difference of cumulative drift, this method minus
     * {@link #pairedWith} on the same base and fine-tune seed (points as a fraction; negative: drifts less).
     */
    public static final String PAIRED_DRIFT = "drift_minus_paired";

    /**
     * One method at one strength.
     *
     * @param stages {@code stages.get(s)}: metric name ({@link StageMetrics#TRACKED}, {@code task_k_accuracy}) to its statistic
     */
    public record Method(@JsonProperty("method") String method,
                         @JsonProperty("kind") String kind,
                         @JsonProperty("strength") double strength,
                         @JsonProperty("label") String label,
                         @JsonProperty("adapter") String adapter,
                         @JsonProperty("fisher") String fisher,
                         @JsonProperty("stages") List<Map<String, Stat>> stages) {

        /** The statistic of {@code metric} at {@code stage}, or null. */
        public Stat at(int stage, String metric) {
            return stage < stages.size() ? stages.get(stage).get(metric) : null;
        }
    }

    /** The key under {@code analyses} in summary.json. */
    public static final String KEY = "continual";
}
