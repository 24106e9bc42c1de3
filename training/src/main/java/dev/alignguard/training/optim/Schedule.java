package dev.alignguard.training.optim;

import java.util.Locale;

/**
 * Learning-rate schedule: a linear warmup to the peak, then constant, cosine or linear decay to
 * {@code minRatio * peak} at the last step.
 */
public record Schedule(Kind kind, int warmupSteps, int totalSteps, double minRatio) {

    public enum Kind {
        CONSTANT, COSINE, LINEAR;
        public static Kind parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown schedule '" + s + "'; expected constant, cosine or linear");
            }
        }
    }

    public Schedule {
        if (warmupSteps < 0 || totalSteps < 1 || warmupSteps > totalSteps || !(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("invalid schedule: warmup " + warmupSteps + ", total " + totalSteps
                + ", min ratio " + minRatio);
        }
    }

    /** The multiplier of the peak learning rate at step {@code step} (0-based). */
    public double factor(int step) {
        if (step < warmupSteps) {
            return (step + 1) / (double) warmupSteps;
        }
        if (kind == Kind.CONSTANT || totalSteps == warmupSteps) {
            return 1.0;
        }
        double progress = Math.min(1.0, (step - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps - 1));
        double shape = kind == Kind.COSINE ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
        return minRatio + (1 - minRatio) * shape;
    }
}
