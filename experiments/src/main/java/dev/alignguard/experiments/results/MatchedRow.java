package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One method at one matched-accuracy target: the strength at which its validation task accuracy
 * equals the target (standard LoRA's minus {@code drop} points), and its test metrics there.
 *
 * @param dropPoints         the target's drop below standard LoRA's validation task accuracy, in points
 * @param targetAccuracy     the target validation task accuracy (a fraction)
 * @param reached            whether the method's sweep brackets the target (or a point lies on it)
 * @param reason             when not reached: why, with the range the method covered; else null
 * @param strength           the matched strength (geometric interpolation inside the bracket), NaN if none
 * @param bracket            the two evaluated strengths the value is interpolated between (equal when a point matched)
 * @param weight             the interpolation weight of the stronger point, from validation task accuracy
 * @param selectedOn         always {@code validation}: the strength is chosen on validation prompts
 * @param metrics            test metrics at the matched strength, each over base seeds (see the summary's interval model)
 * @param vsReference        paired differences (this method minus the reference AlignGuard method) per base seed
 */
public record MatchedRow(@JsonProperty("method") String method,
                         @JsonProperty("kind") String kind,
                         @JsonProperty("drop_points") double dropPoints,
                         @JsonProperty("target_accuracy") double targetAccuracy,
                         @JsonProperty("reached") boolean reached,
                         @JsonProperty("reason") String reason,
                         @JsonProperty("strength") double strength,
                         @JsonProperty("bracket") List<Double> bracket,
                         @JsonProperty("weight") double weight,
                         @JsonProperty("selected_on") String selectedOn,
                         @JsonProperty("metrics") Map<String, Stat> metrics,
                         @JsonProperty("vs_reference") Map<String, Stat> vsReference) {
}
