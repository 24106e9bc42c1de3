package dev.alignguard.experiments.pipeline;

import java.util.Locale;

/**
 * What a run's folder keeps once the run has finished ({@code alignguard run --keep}). Keeping
 * changes no computation: the same numbers come out whatever is kept.
 */
public enum Keep {
    /**
     * No model folders: results, logs and the trials' records stay; the base folders (needed while the run
     * goes, to resume) are removed at the end.
     */
    NONE,
    /** Per base seed the unaligned and aligned model folders and the alignment set (the default). */
    BASES,
    /** The bases, and per finished trial its adapter as a peft folder. */
    ALL;

    /** {@code none}, {@code bases} or {@code all}; anything else is refused naming the choices. */
    public static Keep parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--keep " + s + ": expected none, bases or all");
        }
    }

    /** The name as on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
