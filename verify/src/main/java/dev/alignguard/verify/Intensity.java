package dev.alignguard.verify;

import java.util.Locale;

/**
 * How hard {@code alignguard verify} runs the laws: every law checks its stated examples (what
 * {@code ./test} affords) times a factor ({@code -Dalignguard.examples.factor}, see the proofs
 * harness {@code Laws}).
 */
public enum Intensity {

    /** The examples {@code ./test} runs. */
    QUICK(1),
    /** Ten times as many. */
    STANDARD(10),
    /** A hundred times as many. */
    EXHAUSTIVE(100);

    private final int factor;

    Intensity(int factor) {
        this.factor = factor;
    }

    /** The factor on every law's stated examples. */
    public int factor() {
        return factor;
    }

    /** The name as the command line spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return label();
    }
}
