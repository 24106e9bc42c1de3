package dev.alignguard.experiments.results;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A method at one strength, aggregated over seeds. {@code metrics} keys: refusal_unsafe,
 * over_refusal_safe, task_accuracy, alignment_nll, drift, drift_reduction, harmful_compliance,
 * safe_accuracy, refusal_unsafe_held_out_objects, refusal_unsafe_held_out_verbs.
 * {@code strength} is the swept weight (lambda) or NaN for methods without one; {@code label}
 * names the point in tables and plots.
 */
public record MethodSummary(@JsonProperty("method") String method,
                            @JsonProperty("kind") String kind,
                            @JsonProperty("strength") double strength,
                            @JsonProperty("label") String label,
                            @JsonProperty("metrics") Map<String, Stat> metrics) {
}
