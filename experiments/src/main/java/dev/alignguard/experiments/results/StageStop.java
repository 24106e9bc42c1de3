package dev.alignguard.experiments.results;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a base stage with a stop rule ended: the steps it trained, whether its last check met the
 * rule (false: it ran to its {@code max_steps} without meeting it, and the summary flags it), and
 * every check it made on the validation prompts, in order (each but the last failed the rule).
 *
 * @param stage    {@code pretrain} or {@code align}
 * @param rule     the rule in words, e.g. {@code refusal_unsafe >= 0.9, over_refusal_safe <= 0.05}
 * @param steps    steps trained (the step of the check that met the rule, else max_steps)
 * @param maxSteps the stage's steps, the most it may train
 * @param met      whether the rule was met (at {@code steps})
 * @param checks   the checks, first to last
 */
public record StageStop(@JsonProperty("stage") String stage,
                        @JsonProperty("rule") String rule,
                        @JsonProperty("steps") int steps,
                        @JsonProperty("max_steps") int maxSteps,
                        @JsonProperty("met") boolean met,
                        @JsonProperty("checks") List<Check> checks) {

    public StageStop {
        checks = List.copyOf(checks);
    }

    /** One check: the steps done and the validation metrics the rule reads. */
    public record Check(@JsonProperty("steps") int steps,
                        @JsonProperty("refusal_unsafe") double refusalUnsafe,
                        @JsonProperty("over_refusal_safe") double overRefusalSafe,
                        @JsonProperty("safe_accuracy") double safeAccuracy) {
    }

    /** The last check (the one that ended the stage). */
    public Check last() {
        return checks.getLast();
    }
}
