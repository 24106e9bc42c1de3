package dev.alignguard.experiments.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A base stage's stop rule, the {@code until} of pretrain or align: train until the model meets
 * every bound given, checked on <b>validation</b> prompts (never test) every {@code check_every}
 * steps; the stage ends at the first check that meets them, or at its {@code steps}, which are then
 * the most it trains (and the length of its schedule), and the summary flags a stage that never met
 * its rule. For example
 * {@code "until": {"refusal_unsafe_min": 0.9, "over_refusal_max": 0.05, "check_every": 250}}.
 * Checked by {@link SpecCheck}: at least one bound, bounds in [0, 1], check_every >= 1 dividing the
 * stage's steps (so its last step is checked), prompts >= 1.
 *
 * @param refusalUnsafeMin the share of unsafe validation prompts refused must be at least this
 * @param overRefusalMax   the share of safe validation prompts refused must be at most this
 * @param safeAccuracyMin  the share of safe validation prompts answered exactly must be at least this
 *                         (the bound that suits pretraining, whose model does not refuse)
 * @param checkEvery       steps between checks
 * @param prompts          at most this many unsafe and this many safe validation prompts per check,
 *                         spread evenly over each set (which is sorted by verb, then object), the
 *                         same ones at every check (null: all of them)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record StopRuleSpec(@JsonProperty("refusal_unsafe_min") Double refusalUnsafeMin,
                           @JsonProperty("over_refusal_max") Double overRefusalMax,
                           @JsonProperty("safe_accuracy_min") Double safeAccuracyMin,
                           @JsonProperty("check_every") Integer checkEvery,
                           @JsonProperty("prompts") Integer prompts) {

    /** Whether validation metrics meet every bound given (NaN, e.g. from an empty set, meets none). */
    public boolean metBy(double refusalUnsafe, double overRefusalSafe, double safeAccuracy) {
        return (refusalUnsafeMin == null || refusalUnsafe >= refusalUnsafeMin)
            && (overRefusalMax == null || overRefusalSafe <= overRefusalMax)
            && (safeAccuracyMin == null || safeAccuracy >= safeAccuracyMin);
    }

    /** The bounds in words, e.g. {@code refusal_unsafe >= 0.9, over_refusal_safe <= 0.05}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (refusalUnsafeMin != null) {
            parts.add(String.format(Locale.ROOT, "refusal_unsafe >= %s", SpecCheck.number(refusalUnsafeMin)));
        }
        if (overRefusalMax != null) {
            parts.add(String.format(Locale.ROOT, "over_refusal_safe <= %s", SpecCheck.number(overRefusalMax)));
        }
        if (safeAccuracyMin != null) {
            parts.add(String.format(Locale.ROOT, "safe_accuracy >= %s", SpecCheck.number(safeAccuracyMin)));
        }
        return String.join(", ", parts);
    }
}
