package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One fine-tuning trial: a method at one strength and one seed. {@code metrics} holds the final
 * evaluation (the metric names of summary.json plus the detailed ones: per category, seen/held-out),
 * {@code curve} the mid-training evaluations, {@code log} the per-step JSONL file (relative to the
 * run directory), {@code error} the failure message when the trial failed for good (metrics empty).
 */
public record TrialRecord(@JsonProperty("method") String method,
                          @JsonProperty("kind") String kind,
                          @JsonProperty("strength") double strength,
                          @JsonProperty("seed") long seed,
                          @JsonProperty("metrics") Map<String, Double> metrics,
                          @JsonProperty("curve") List<CurvePoint> curve,
                          @JsonProperty("seconds") double seconds,
                          @JsonProperty("log") String log,
                          @JsonProperty("error") String error) {

    public boolean failed() {
        return error != null;
    }
}
