package dev.alignguard.spark;

import dev.alignguard.experiments.pipeline.TrialExecutor;
import dev.alignguard.experiments.pipeline.TrialExecutorProvider;

/** Offers {@link SparkExecutor} to {@code alignguard run --executor spark} through the service loader. */
public final class SparkExecutorProvider implements TrialExecutorProvider {

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public TrialExecutor create(int workers) {
        return new SparkExecutor(workers);
    }
}
