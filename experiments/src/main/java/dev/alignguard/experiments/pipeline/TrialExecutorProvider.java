package dev.alignguard.experiments.pipeline;

import java.util.ServiceLoader;

/**
 * An executor found at run time through {@link ServiceLoader}, for executors that live in modules
 * of their own (Spark, whose jars would make every launch heavy). A module offers one by listing
 * its provider in {@code META-INF/services/dev.alignguard.experiments.pipeline.TrialExecutorProvider}.
 */
public interface TrialExecutorProvider {

    /** The name {@code --executor} selects it by (e.g. {@code spark}). */
    String name();

    /** An executor running up to {@code workers} trials at once (where the executor decides parallelism itself, a hint). */
    TrialExecutor create(int workers);

    /** The provider named {@code name} on the class path, or empty. */
    static java.util.Optional<TrialExecutorProvider> find(String name) {
        for (TrialExecutorProvider p : ServiceLoader.load(TrialExecutorProvider.class)) {
            if (p.name().equalsIgnoreCase(name)) {
                return java.util.Optional.of(p);
            }
        }
        return java.util.Optional.empty();
    }
}
