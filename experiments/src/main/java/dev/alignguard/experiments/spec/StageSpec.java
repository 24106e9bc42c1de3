package dev.alignguard.experiments.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.alignguard.training.optim.AdamW;
import dev.alignguard.training.optim.Schedule;
import dev.alignguard.training.trainer.TrainingConfig;

/** How one training stage runs (pretraining, alignment, or the fine-tuning of every method). */
@JsonIgnoreProperties(ignoreUnknown = false)
public record StageSpec(@JsonProperty("steps") int steps,
                        @JsonProperty("batch_size") int batchSize,
                        @JsonProperty("learning_rate") double learningRate,
                        @JsonProperty("weight_decay") double weightDecay,
                        @JsonProperty("warmup_steps") int warmupSteps,
                        @JsonProperty("schedule") String schedule,
                        @JsonProperty("clip_norm") double clipNorm) {

    public StageSpec {
        Schedule.Kind.parse(schedule == null ? "cosine" : schedule);
        if (steps < 1 || batchSize < 1 || !(learningRate > 0) || warmupSteps < 0 || warmupSteps > steps) {
            throw new IllegalArgumentException("invalid stage: steps " + steps + ", batch_size " + batchSize
                + ", learning_rate " + learningRate + ", warmup_steps " + warmupSteps
                + " (need steps >= 1, batch_size >= 1, learning_rate > 0, 0 <= warmup_steps <= steps)");
        }
    }

    public TrainingConfig toConfig(long seed) {
        return new TrainingConfig(steps, batchSize, 1, AdamW.Settings.of(learningRate, weightDecay),
            Schedule.Kind.parse(schedule == null ? "cosine" : schedule), warmupSteps, 0.1, clipNorm, seed);
    }
}
