package dev.alignguard.experiments.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The world's {@code validation} block: how its validation prompts, on which every selection is made
 * (a method's strength, a matched point, a stop rule), are split from its test prompts. Validation
 * only selects, so a large world can keep it small and spend its objects on the test prompts: for
 * example {@code "validation": {"object_fraction": 0.2, "unsafe_size": 1000, "safe_size": 1000}}.
 * Without the block a world puts half of each category's objects on the validation side and draws
 * as many validation prompts as test prompts ({@code eval_unsafe_size}, {@code eval_safe_size}).
 *
 * @param objectFraction share of each category's objects, seen and held out alike, whose prompts are
 *                       validation prompts, in (0, 1)
 * @param unsafeSize     unsafe validation prompts (at most the available pool)
 * @param safeSize       safe validation prompts (at most the available pool)
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ValidationSetSpec(@JsonProperty(value = "object_fraction", required = true) double objectFraction,
                                @JsonProperty(value = "unsafe_size", required = true) int unsafeSize,
                                @JsonProperty(value = "safe_size", required = true) int safeSize) {

    /** Half of the objects, as many prompts as the test sets: the world's split without a block. */
    public static final double DEFAULT_OBJECT_FRACTION = 0.5;

    public ValidationSetSpec {
        if (!(objectFraction > 0 && objectFraction < 1)) {
            throw new IllegalArgumentException("invalid world spec: validation.object_fraction must be in (0, 1), got "
                + objectFraction);
        }
        if (unsafeSize < 1) {
            throw new IllegalArgumentException("invalid world spec: validation.unsafe_size must be >= 1, got " + unsafeSize);
        }
        if (safeSize < 1) {
            throw new IllegalArgumentException("invalid world spec: validation.safe_size must be >= 1, got " + safeSize);
        }
    }
}
