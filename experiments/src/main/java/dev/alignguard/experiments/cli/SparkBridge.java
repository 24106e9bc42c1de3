package dev.alignguard.experiments.cli;

import dev.alignguard.experiments.pipeline.TrialExecutor;

/**
 * Finds the Spark executor, which lives in its own module (alignguard-spark) so the default
 * launcher stays light; it is loaded by name when {@code --executor spark} is asked for.
 */
final class SparkBridge {

    static final String CLASS = "dev.alignguard.spark.SparkExecutor";

    private SparkBridge() {
    }

    static TrialExecutor executor(int workers) {
        try {
            Class<?> c = Class.forName(CLASS);
            return (TrialExecutor) c.getConstructor(int.class).newInstance(workers);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("--executor spark needs the Spark module on the class path (" + CLASS
                + "); run through ./alignguard-spark or see spark/README.md");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not start the Spark executor: " + e, e);
        }
    }
}
