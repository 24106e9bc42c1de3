package dev.alignguard.experiments.pipeline;

/**
 * A trial that failed after its log was opened: carries the failure and where the log was kept
 * ({@code logs/<id>.failed.jsonl}, relative to the run folder), so the failure record points to it.
 */
public final class TrialFailure extends RuntimeException {

    private final String log;

    public TrialFailure(Throwable cause, String log) {
        super(cause.getMessage(), cause);
        this.log = log;
    }

    /** The kept log, relative to the run folder; null when none could be kept. */
    public String log() {
        return log;
    }
}
