package dev.alignguard.experiments.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.alignguard.training.optim.AdamW;
import dev.alignguard.training.optim.Schedule;
import dev.alignguard.training.trainer.Divergence;
import dev.alignguard.training.trainer.TrainingConfig;

/**
 * How one training stage runs (pretraining, alignment, or the fine-tuning of every method).
 *
 * @param divergence      when the stage counts as diverged ({@link DivergenceSpec}; null: the defaults)
 * @param checkpointEvery pretrain and align: save weights and optimizer state every this many steps
 *                        into the run folder, so a killed run resumes mid-stage (null: {@link #DEFAULT_CHECKPOINT_EVERY};
 *                        0: never). Fine-tuning trials are resumed whole and take no checkpoint_every.
 * @param until           pretrain and align: the stop rule ({@link StopRuleSpec}); null: train all {@code steps}
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record StageSpec(@JsonProperty("steps") int steps,
                        @JsonProperty("batch_size") int batchSize,
                        @JsonProperty("learning_rate") double learningRate,
                        @JsonProperty("weight_decay") double weightDecay,
                        @JsonProperty("warmup_steps") int warmupSteps,
                        @JsonProperty("schedule") String schedule,
                        @JsonProperty("clip_norm") double clipNorm,
                        @JsonProperty("divergence") @JsonInclude(JsonInclude.Include.NON_NULL) DivergenceSpec divergence,
                        @JsonProperty("checkpoint_every") @JsonInclude(JsonInclude.Include.NON_NULL) Integer checkpointEvery,
                        @JsonProperty("until") @JsonInclude(JsonInclude.Include.NON_NULL) StopRuleSpec until) {

    /** Steps between checkpoints of a base stage when the spec does not say. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 250;

    public StageSpec {
        Schedule.Kind.parse(schedule == null ? "cosine" : schedule);
        if (steps < 1 || batchSize < 1 || !(learningRate > 0) || warmupSteps < 0 || warmupSteps > steps) {
            throw new IllegalArgumentException("invalid stage: steps " + steps + ", batch_size " + batchSize
                + ", learning_rate " + learningRate + ", warmup_steps " + warmupSteps
                + " (need steps >= 1, batch_size >= 1, learning_rate > 0, 0 <= warmup_steps <= steps)");
        }
    }

    /** A stage with the default divergence bounds and checkpoint interval. */
    public StageSpec(int steps, int batchSize, double learningRate, double weightDecay, int warmupSteps, String schedule,
        double clipNorm) {
        this(steps, batchSize, learningRate, weightDecay, warmupSteps, schedule, clipNorm, null, null, null);
    }

    /** The divergence bounds, defaults filled in. */
    public Divergence toDivergence() {
        return (divergence == null ? new DivergenceSpec(null, null, null, null) : divergence).toDivergence();
    }

    /** Steps between checkpoints (0: none), the default filled in. */
    public int checkpointInterval() {
        return checkpointEvery == null ? DEFAULT_CHECKPOINT_EVERY : checkpointEvery;
    }

    public TrainingConfig toConfig(long seed) {
        return new TrainingConfig(steps, batchSize, 1, AdamW.Settings.of(learningRate, weightDecay),
            Schedule.Kind.parse(schedule == null ? "cosine" : schedule), warmupSteps, 0.1, clipNorm, seed);
    }
}
