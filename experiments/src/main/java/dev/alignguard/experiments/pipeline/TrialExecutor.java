package dev.alignguard.experiments.pipeline;

import java.util.List;

/**
 * Runs a sweep's trials somewhere: on local threads, or on a Spark cluster. Every trial is a pure
 * function of its spec and seed, so where it runs does not change a number.
 */
public interface TrialExecutor {

    /** Results in trial order; a trial that failed for good yields a record with its error. */
    List<TrialRunner.Outcome> run(List<Trial> trials, StudyContext context);

    String name();
}
