package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One fine-tuning trial: a method at one strength on one base seed with one fine-tune seed.
 * {@code metrics} holds the final evaluation on the test prompts (the metric names of summary.json
 * plus the detailed ones: per category, seen/held-out), {@code validation} the same on the
 * validation prompts (what every selection uses), {@code curve} the mid-training evaluations,
 * {@code log} the per-step JSONL file (relative to the run directory), {@code error} the failure
 * message when the trial failed for good (metrics empty), {@code kernels} the backend the trial ran
 * on (as the kernels it was given name themselves), {@code lastStep} the final training step's loss
 * terms and diagnostics (for AlignGuard: {@code norm_dw_a}, {@code norm_dw_t}, ...), and
 * {@code reprojections} the steps after which the alignment subspaces were re-estimated, and
 * {@code notes} why a metric is missing, by metric name (e.g. {@code drift_reduction} when the trial's
 * drift reference failed); written only when there is one.
 */
public record TrialRecord(@JsonProperty("method") String method,
                          @JsonProperty("kind") String kind,
                          @JsonProperty("strength") double strength,
                          @JsonProperty("base_seed") long baseSeed,
                          @JsonProperty("seed") long seed,
                          @JsonProperty("metrics") Map<String, Double> metrics,
                          @JsonProperty("validation") Map<String, Double> validation,
                          @JsonProperty("curve") List<CurvePoint> curve,
                          @JsonProperty("seconds") double seconds,
                          @JsonProperty("log") String log,
                          @JsonProperty("error") String error,
                          @JsonProperty("kernels") String kernels,
                          @JsonProperty("last_step") Map<String, Double> lastStep,
                          @JsonProperty("reprojections") List<Integer> reprojections,
                          @JsonProperty("notes") @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> notes) {

    public TrialRecord {
        notes = notes == null ? Map.of() : Map.copyOf(notes);
    }

    /** A record without notes. */
    public TrialRecord(String method, String kind, double strength, long baseSeed, long seed, Map<String, Double> metrics,
        Map<String, Double> validation, List<CurvePoint> curve, double seconds, String log, String error,
        String kernels, Map<String, Double> lastStep, List<Integer> reprojections) {
        this(method, kind, strength, baseSeed, seed, metrics, validation, curve, seconds, log, error, kernels, lastStep,
            reprojections, Map.of());
    }

    /**
     * A record without base seed, validation metrics or kernels (hand-made summaries, older files):
     * each seed counts as its own base.
     */
    public TrialRecord(String method, String kind, double strength, long seed, Map<String, Double> metrics,
        List<CurvePoint> curve, double seconds, String log, String error) {
        this(method, kind, strength, seed, seed, metrics, Map.of(), curve, seconds, log, error, null, Map.of(), List.of());
    }

    /** A copy with other (test) metrics. */
    public TrialRecord withMetrics(Map<String, Double> newMetrics) {
        return new TrialRecord(method, kind, strength, baseSeed, seed, newMetrics, validation, curve, seconds, log, error,
            kernels, lastStep, reprojections, notes);
    }

    /** A copy with other metrics and notes on what is missing. */
    public TrialRecord withMetrics(Map<String, Double> newMetrics, Map<String, String> newNotes) {
        return new TrialRecord(method, kind, strength, baseSeed, seed, newMetrics, validation, curve, seconds, log, error,
            kernels, lastStep, reprojections, newNotes);
    }

    /** A copy whose log is {@code newLog} (relative to the run folder; null: none). */
    public TrialRecord withLog(String newLog) {
        return new TrialRecord(method, kind, strength, baseSeed, seed, metrics, validation, curve, seconds, newLog, error,
            kernels, lastStep, reprojections, notes);
    }

    public boolean failed() {
        return error != null;
    }
}
