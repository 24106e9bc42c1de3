package dev.alignguard.experiments.method;

/**
 * What a method's swept strength means: how tables label it, and whether a spec must list it.
 *
 * @param label    e.g. {@code λ}, {@code λA}, {@code threshold}; null for a method without strength
 * @param required whether the method has no default and a spec must list strengths
 */
public record Strength(String label, boolean required) {

    /** A method that takes no strength (standard LoRA, hard projection). */
    public static final Strength NONE = new Strength(null, false);

    /** A penalty weight λ with no default: the spec lists the strengths to sweep. */
    public static final Strength LAMBDA = new Strength("λ", true);

    /** Whether the method takes a strength at all. */
    public boolean swept() {
        return label != null;
    }
}
