package dev.alignguard.experiments.results;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A mid-training evaluation of a fine-tuning run (on a small fixed subset of the eval prompts). */
public record CurvePoint(@JsonProperty("step") int step,
                         @JsonProperty("refusal_unsafe") double refusalUnsafe,
                         @JsonProperty("task_accuracy") double taskAccuracy,
                         @JsonProperty("alignment_nll") double alignmentNll,
                         @JsonProperty("task_loss") double taskLoss) {
}
