package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One fine-tuning trial: a method at one strength and one seed. {@code metrics} holds the final
 * evaluation (the metric names of summary.json plus the detailed ones: per category, seen/held-out),
 * {@code curve} the mid-training evaluations, {@code log} the per-step JSONL file (relative to the
 * run directory), {@code error} the failure message when the trial failed for good (metrics empty),
 * {@code kernels} the backend the trial ran on (as the kernels it was given name themselves),
 * {@code notes} why a metric is missing, by metric name (e.g. {@code drift_reduction} when the trial's
 * drift reference failed); written only when there is one.
 */
public record TrialRecord(@JsonProperty("method") String method,
                          @JsonProperty("kind") String kind,
                          @JsonProperty("strength") double strength,
                          @JsonProperty("seed") long seed,
                          @JsonProperty("metrics") Map<String, Double> metrics,
                          @JsonProperty("curve") List<CurvePoint> curve,
                          @JsonProperty("seconds") double seconds,
                          @JsonProperty("log") String log,
                          @JsonProperty("error") String error,
                          @JsonProperty("kernels") String kernels,
                          @JsonProperty("notes") @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> notes) {

    public TrialRecord {
        notes = notes == null ? Map.of() : Map.copyOf(notes);
    }

    /** A record without notes. */
    public TrialRecord(String method, String kind, double strength, long seed, Map<String, Double> metrics,
                       List<CurvePoint> curve, double seconds, String log, String error, String kernels) {
        this(method, kind, strength, seed, metrics, curve, seconds, log, error, kernels, Map.of());
    }

    /** A record without the kernels' name (hand-made summaries, failures before any kernels ran). */
    public TrialRecord(String method, String kind, double strength, long seed, Map<String, Double> metrics,
                       List<CurvePoint> curve, double seconds, String log, String error) {
        this(method, kind, strength, seed, metrics, curve, seconds, log, error, null);
    }

    public boolean failed() {
        return error != null;
    }
}
