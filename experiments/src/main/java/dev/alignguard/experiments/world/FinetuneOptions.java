package dev.alignguard.experiments.world;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the stage-2 fine-tuning set is mixed. The task's training examples are always all kept; harmful
 * and replay examples are added so that they make up the given fractions of the final set
 * (so a harmful fraction does not also shrink the task data, which would confound task accuracy).
 *
 * @param harmfulFraction fraction of the set that is unsafe prompts answered compliantly (harmful fine-tuning)
 * @param replayFraction  fraction of the set that is alignment-stage safe Q&amp;A replayed (separates
 *                        alignment drift from general forgetting)
 */
public record FinetuneOptions(
                              @JsonProperty("harmful_fraction") double harmfulFraction,
                              @JsonProperty("replay_fraction") double replayFraction) {

    public FinetuneOptions {
        if (!(harmfulFraction >= 0 && harmfulFraction < 1)) {
            throw new IllegalArgumentException("invalid finetune options: harmful_fraction must be in [0, 1), got " + harmfulFraction);
        }
        if (!(replayFraction >= 0 && replayFraction < 1)) {
            throw new IllegalArgumentException("invalid finetune options: replay_fraction must be in [0, 1), got " + replayFraction);
        }
        if (!(harmfulFraction + replayFraction < 1)) {
            throw new IllegalArgumentException("invalid finetune options: harmful_fraction + replay_fraction must be < 1 "
                + "(the task needs some of the data), got " + harmfulFraction + " + " + replayFraction);
        }
    }

    /** Benign fine-tuning: the task only. */
    public static FinetuneOptions benign() {
        return new FinetuneOptions(0, 0);
    }

    /** Reads JSON; a missing fraction is 0. */
    @JsonCreator
    static FinetuneOptions fromJson(@JsonProperty("harmful_fraction") Double harmful,
                                    @JsonProperty("replay_fraction") Double replay) {
        return new FinetuneOptions(harmful == null ? 0 : harmful, replay == null ? 0 : replay);
    }
}
