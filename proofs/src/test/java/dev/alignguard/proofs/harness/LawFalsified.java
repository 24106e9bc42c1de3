package dev.alignguard.proofs.harness;

import java.io.Serial;
import java.util.List;

import org.quicktheories.api.AsString;

/**
 * A falsified law: the seed it ran from, how many examples it checked, the smallest counterexample
 * shrinking found (the first in {@link #falsifying()} order is the smallest), and the failure of
 * that counterexample as the cause. The message says all of it and ends with the command line
 * that replays the failure.
 */
public final class LawFalsified extends AssertionError {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient String law;
    private final long seed;
    private final int examples;
    private final transient Object smallest;
    private final transient List<Object> falsifying;
    private final String counterexample;

    LawFalsified(String law, long seed, int examples, Object smallest, List<Object> falsifying, AsString<Object> show,
        Throwable cause) {
        super(message(law, seed, examples, smallest, falsifying, show, cause), cause);
        this.law = law;
        this.seed = seed;
        this.examples = examples;
        this.smallest = smallest;
        this.falsifying = List.copyOf(falsifying);
        this.counterexample = show.asString(smallest);
    }

    private static String message(String law, long seed, int examples, Object smallest, List<Object> falsifying,
                                  AsString<Object> show, Throwable cause) {
        String n = System.lineSeparator();
        Object first = falsifying.isEmpty() ? smallest : falsifying.getLast();
        return "Law " + law + " falsified after " + examples + " example(s), seed " + seed + n
            + "  smallest counterexample (after " + Math.max(0, falsifying.size() - 1) + " shrinking step(s)): "
            + show.asString(smallest) + n
            + (cause == null ? "  (the law returned false)" : "  failure: " + cause) + n
            + "  first counterexample found: " + show.asString(first) + n
            + "  replay: " + Laws.replayCommand(law, seed);
    }

    /** {@code TestClass#method}. */
    public String law() {
        return law;
    }

    /** The seed the law ran from ({@code -Dalignguard.seed} replays it). */
    public long seed() {
        return seed;
    }

    /** Examples checked before the first failure. */
    public int examples() {
        return examples;
    }

    /** The smallest counterexample shrinking found. */
    public Object smallest() {
        return smallest;
    }

    /** The smallest counterexample as QuickTheories shows it (the text in the message). */
    public String counterexample() {
        return counterexample;
    }

    /** Every counterexample found, the smallest first and the first one found last. */
    public List<Object> falsifying() {
        return falsifying;
    }

    /** QuickTheories' reporting hook: throws {@link LawFalsified}, or an error when the generators gave up. */
    static final class Reporter implements org.quicktheories.core.Reporter {

        private final String law;
        private final long seed;

        Reporter(String law, long seed) {
            this.law = law;
            this.seed = seed;
        }

        @Override
        public void falisification(long usedSeed, int count, Object smallest, Throwable cause, List<Object> examples,
                                   AsString<Object> toString) {
            throw new LawFalsified(law, usedSeed, count, smallest, examples, toString, cause);
        }

        @Override
        public void falisification(long usedSeed, int count, Object smallest, List<Object> examples,
                                   AsString<Object> toString) {
            throw new LawFalsified(law, usedSeed, count, smallest, examples, toString, null);
        }

        @Override
        public void valuesExhausted(int completedExamples) {
            throw new AssertionError("Law " + law + " (seed " + seed + "): the generators found only " + completedExamples
                + " example(s) meeting their assumptions; replay: " + Laws.replayCommand(law, seed));
        }
    }
}
