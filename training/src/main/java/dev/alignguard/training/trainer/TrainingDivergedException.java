package dev.alignguard.training.trainer;

/** A loss term or gradient became NaN or infinite; names the step and the term. */
public final class TrainingDivergedException extends RuntimeException {

    private final int step;
    private final String term;

    public TrainingDivergedException(int step, String term, double value) {
        super("training diverged at step " + step + ": " + term + " is " + value
            + " (the last good checkpoint, if any, is kept)");
        this.step = step;
        this.term = term;
    }

    public int step() {
        return step;
    }

    public String term() {
        return term;
    }
}
