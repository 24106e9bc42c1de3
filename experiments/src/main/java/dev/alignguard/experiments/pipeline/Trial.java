package dev.alignguard.experiments.pipeline;

import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;

/**
 * One unit of a sweep: a method at one strength on one base (world, pretrained and aligned models
 * of {@code baseSeed}) with one fine-tune seed, under the spec with the method's overrides applied.
 * A pure function of these fields.
 */
public record Trial(int index, ExperimentSpec spec, MethodSpec method, double strength, long baseSeed, long seed) {

    /** e.g. {@code alignguard λ=0.1 base 7 seed 2}. */
    public String label() {
        return method.name() + (Double.isNaN(strength) ? "" : " λ=" + strength) + " base " + baseSeed + " seed " + seed;
    }

    /** A file-name-safe id, e.g. {@code alignguard-0.1-base7-seed2}. */
    public String id() {
        return (method.name() + (Double.isNaN(strength) ? "" : "-" + strength) + "-base" + baseSeed + "-seed" + seed)
            .replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The same trial at another position in the sweep. */
    public Trial withIndex(int newIndex) {
        return new Trial(newIndex, spec, method, strength, baseSeed, seed);
    }
}
