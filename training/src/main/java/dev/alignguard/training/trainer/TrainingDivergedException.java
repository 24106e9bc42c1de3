package dev.alignguard.training.trainer;

/**
 * A stage stopped because training diverged: a loss term or the gradient norm became NaN or
 * infinite, or (see {@link Divergence}) the loss stayed far above its starting value or the
 * gradient norm exploded. Names the stage (when the trainer was given one), the step, the term and
 * the values.
 */
public final class TrainingDivergedException extends RuntimeException {

    private final String stage;
    private final int step;
    private final String term;

    /** A term that became NaN or infinite. */
    public TrainingDivergedException(int step, String term, double value) {
        this(null, step, term, term + " is " + value);
    }

    /** A term that became NaN or infinite, in a named stage. */
    public TrainingDivergedException(String stage, int step, String term, double value) {
        this(stage, step, term, term + " is " + value);
    }

    /** Divergence described by {@code detail} (the values and the bound they crossed). */
    public TrainingDivergedException(String stage, int step, String term, String detail) {
        super("training diverged" + (stage == null ? "" : " in stage " + stage) + " at step " + step + ": " + detail);
        this.stage = stage;
        this.step = step;
        this.term = term;
    }

    /** The stage's name, or null when the trainer was not given one. */
    public String stage() {
        return stage;
    }

    public int step() {
        return step;
    }

    public String term() {
        return term;
    }
}
