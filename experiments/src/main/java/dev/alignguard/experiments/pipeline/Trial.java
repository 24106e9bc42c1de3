package dev.alignguard.experiments.pipeline;

import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;

/**
 * One unit of a sweep: a method at one strength with one seed, under the spec with the method's
 * overrides applied. A pure function of these fields.
 */
public record Trial(int index, ExperimentSpec spec, MethodSpec method, double strength, long seed) {

    /** e.g. {@code alignguard λ=0.1 seed 2}. */
    public String label() {
        return method.name() + (Double.isNaN(strength) ? "" : " λ=" + strength) + " seed " + seed;
    }

    /** A file-name-safe id, e.g. {@code alignguard-0.1-seed2}. */
    public String id() {
        return (method.name() + (Double.isNaN(strength) ? "" : "-" + strength) + "-seed" + seed).replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
