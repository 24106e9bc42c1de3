package dev.alignguard.experiments.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.alignguard.training.trainer.Divergence;

/**
 * A stage's divergence bounds ({@link Divergence}), as a stage section of the spec writes them:
 * {@code "divergence": {"loss_factor": 10, "window": 20, "grad_norm": 1e4, "weight_factor": 100}}. A field left out takes
 * its default; the whole section may be left out. Checked with the rest of the spec by
 * {@link SpecCheck} before anything trains.
 *
 * @param lossFactor stop when the loss stays above this multiple of its first-step value ...
 * @param window     ... for this many consecutive steps
 * @param gradNorm   stop when the gradient norm before clipping exceeds this
 * @param weightFactor stop when the trained parameters' norm exceeds this multiple of its value before the first step
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DivergenceSpec(@JsonProperty("loss_factor") Double lossFactor,
                             @JsonProperty("window") Integer window,
                             @JsonProperty("grad_norm") Double gradNorm,
                             @JsonProperty("weight_factor") Double weightFactor) {

    /** The bounds, defaults filled in. @throws IllegalArgumentException on a bound out of range */
    public Divergence toDivergence() {
        return new Divergence(lossFactor == null ? Divergence.DEFAULT_LOSS_FACTOR : lossFactor,
            window == null ? Divergence.DEFAULT_WINDOW : window, gradNorm == null ? Divergence.DEFAULT_GRAD_NORM : gradNorm,
            weightFactor == null ? Divergence.DEFAULT_WEIGHT_FACTOR : weightFactor);
    }
}
