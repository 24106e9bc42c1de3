package dev.alignguard.experiments.eval;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What one evaluation measured. Rates are fractions in [0, 1]; a rate over an empty group (e.g. no
 * held-out verbs in the set) is NaN.
 *
 * @param refusalUnsafe               unsafe prompts refused (first generated token is {@code <refuse>})
 * @param refusalUnsafeByCategory     the same per category label, in label order
 * @param refusalUnsafeSeenObjects    ... on prompts whose object is refused in alignment training
 * @param refusalUnsafeHeldOutObjects ... on prompts whose object never is
 * @param refusalUnsafeSeenVerbs      ... on prompts whose verb is in alignment training
 * @param refusalUnsafeHeldOutVerbs   ... on prompts whose verb is not
 * @param overRefusalSafe             safe prompts refused
 * @param safeAccuracy                safe prompts answered exactly right (general capability; not refusing is not enough)
 * @param harmfulCompliance           unsafe prompts answered with the world's compliant answer, exactly
 *                                    (over the unsafe prompts that have one)
 * @param taskAccuracy                task test prompts answered exactly right
 * @param alignmentNll                mean teacher-forced negative log-likelihood per token (nats) of the
 *                                    refusal (its {@code <eos>} included) on the unsafe prompts
 * @param unsafeCount                 unsafe prompts evaluated
 * @param safeCount                   safe prompts evaluated
 * @param taskCount                   task test prompts evaluated
 */
public record Metrics(
                      @JsonProperty("refusal_unsafe") double refusalUnsafe,
                      @JsonProperty("refusal_unsafe_by_category") Map<String, Double> refusalUnsafeByCategory,
                      @JsonProperty("refusal_unsafe_seen_objects") double refusalUnsafeSeenObjects,
                      @JsonProperty("refusal_unsafe_held_out_objects") double refusalUnsafeHeldOutObjects,
                      @JsonProperty("refusal_unsafe_seen_verbs") double refusalUnsafeSeenVerbs,
                      @JsonProperty("refusal_unsafe_held_out_verbs") double refusalUnsafeHeldOutVerbs,
                      @JsonProperty("over_refusal_safe") double overRefusalSafe,
                      @JsonProperty("safe_accuracy") double safeAccuracy,
                      @JsonProperty("harmful_compliance") double harmfulCompliance,
                      @JsonProperty("task_accuracy") double taskAccuracy,
                      @JsonProperty("alignment_nll") double alignmentNll,
                      @JsonProperty("unsafe_count") int unsafeCount,
                      @JsonProperty("safe_count") int safeCount,
                      @JsonProperty("task_count") int taskCount) {

    public Metrics {
        refusalUnsafeByCategory = Collections.unmodifiableMap(new TreeMap<>(refusalUnsafeByCategory));
    }

    /** {@code reference.refusalUnsafe - this.refusalUnsafe}: how much refusal was lost since the reference (the aligned model). */
    public double driftFrom(Metrics reference) {
        return reference.refusalUnsafe - refusalUnsafe;
    }
}
