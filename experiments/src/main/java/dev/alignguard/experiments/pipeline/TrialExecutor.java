package dev.alignguard.experiments.pipeline;

import java.util.List;

/**
 * Runs a sweep's trials somewhere: on local threads, or on a Spark cluster. Every trial is a pure
 * function of its spec and seed, so where it runs does not change a number. Closing releases what
 * the executor started (a Spark context); the local one holds nothing past {@link #run}.
 */
public interface TrialExecutor extends AutoCloseable {

    /** Results in trial order; a trial that failed for good yields a record with its error. */
    List<TrialRunner.Outcome> run(List<Trial> trials, StudyContext context);

    String name();

    @Override
    default void close() {
    }
}
