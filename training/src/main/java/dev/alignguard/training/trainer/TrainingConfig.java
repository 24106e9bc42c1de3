package dev.alignguard.training.trainer;

import dev.alignguard.training.optim.AdamW;
import dev.alignguard.training.optim.Schedule;

/**
 * How a stage trains: steps, micro-batch size, gradient accumulation, optimizer, schedule,
 * clipping, and the seed of its data order and dropout.
 */
public record TrainingConfig(int steps, int batchSize, int gradientAccumulation, AdamW.Settings optimizer,
                             Schedule.Kind schedule, int warmupSteps, double minLearningRateRatio,
                             double clipNorm, long seed) {

    public TrainingConfig {
        if (steps < 1 || batchSize < 1 || gradientAccumulation < 1) {
            throw new IllegalArgumentException("invalid training config: steps " + steps + ", batch " + batchSize
                + ", accumulation " + gradientAccumulation + " (all must be >= 1)");
        }
        if (warmupSteps < 0 || warmupSteps > steps) {
            throw new IllegalArgumentException("invalid training config: warmup " + warmupSteps + " not in [0, " + steps + "]");
        }
    }

    public Schedule scheduleFor() {
        return new Schedule(schedule, warmupSteps, steps, minLearningRateRatio);
    }

    public TrainingConfig withSteps(int newSteps) {
        return new TrainingConfig(newSteps, batchSize, gradientAccumulation, optimizer, schedule,
            Math.min(warmupSteps, newSteps), minLearningRateRatio, clipNorm, seed);
    }

    public TrainingConfig withSeed(long newSeed) {
        return new TrainingConfig(steps, batchSize, gradientAccumulation, optimizer, schedule, warmupSteps,
            minLearningRateRatio, clipNorm, newSeed);
    }
}
