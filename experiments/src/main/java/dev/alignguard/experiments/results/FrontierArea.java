package dev.alignguard.experiments.results;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The area under a method's Pareto frontier of (test task accuracy, refusal kept) over the task
 * accuracy range every method covers, divided by the range's width: the refusal kept on average
 * when any accuracy in the range is required. The frontier at accuracy a is the most refusal kept
 * by any of the method's strengths with task accuracy at least a.
 *
 * @param meanRefusalKept the normalised area (a fraction of the aligned model's refusal), NaN when undefined
 * @param from            the common range's lower end (task accuracy)
 * @param to              its upper end
 * @param reason          why the area is undefined, else null
 */
public record FrontierArea(@JsonProperty("method") String method,
                           @JsonProperty("mean_refusal_kept") double meanRefusalKept,
                           @JsonProperty("from") double from,
                           @JsonProperty("to") double to,
                           @JsonProperty("reason") String reason) {
}
