package dev.alignguard.proofs.harness;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.quicktheories.QuickTheory;
import org.quicktheories.core.NoGuidance;

/**
 * The one entry point of every property in this module: a QuickTheories {@link QuickTheory} set up
 * for the law that is running, so that every law states its number of examples and nothing else.
 *
 * <pre>
 *   &#64;Test
 *   default void idempotent() {
 *       Laws.qt(60).forAll(samples()).checkAssert(s -> ...);
 *   }
 * </pre>
 *
 * <p><b>Seeds.</b> A law draws its examples from one seed:
 * <ul>
 *   <li>by default a fixed seed derived from the law's name ({@code TestClass#method}, see
 *       {@link #defaultSeed}), so every run of {@code ./test} checks the same examples and a CI
 *       failure reproduces on any machine by running the law again;</li>
 *   <li>{@code -Dalignguard.seed=N} runs every selected law from seed N (replaying a failure);</li>
 *   <li>{@code -Dalignguard.seed=random} draws a fresh seed per law (exploring beyond the fixed examples).</li>
 * </ul>
 * A falsified law throws {@link LawFalsified}, whose message holds the seed, the shrunk
 * counterexample and the one command line that replays it:
 * <pre>
 *   ./mvnw -B -ntp -pl proofs -am verify -Dsurefire.failIfNoSpecifiedTests=false \
 *       -Dtest='BasisProjectorProperties#idempotent' -Dalignguard.seed=N
 * </pre>
 *
 * <p><b>Examples.</b> A law states how many examples it checks ({@code Laws.qt(60)}: what {@code ./test}
 * affords). {@code -Dalignguard.examples.factor=F} scales every law's examples by F (rounded, at
 * least one; {@code alignguard verify --intensity} sets it), {@code -Dalignguard.examples=N} gives
 * every law exactly N ({@code --tries N}). The replay command of a failure carries either setting.
 *
 * <p><b>Shrinking.</b> QuickTheories shrinks by re-running the generators on smaller raw draws:
 * integer ranges move toward their lower end (sizes, ranks) and seeds toward 0. Shrinking is
 * deterministic for a given seed and cycle budget ({@link #shrinkCycles}, or
 * {@code -Dalignguard.shrinks=N}), so a replay ends on the same counterexample.
 */
public final class Laws {

    /** System property: a seed (a long), or {@code random}; absent means each law's fixed seed. */
    public static final String SEED = "alignguard.seed";

    /** System property: the shrink-cycle budget of every law, overriding {@link #shrinkCycles}. */
    public static final String SHRINKS = "alignguard.shrinks";

    /** System property: every law checks exactly this many examples (overrides {@link #EXAMPLES_FACTOR}). */
    public static final String EXAMPLES = "alignguard.examples";

    /** System property: every law checks its stated examples times this factor (rounded, at least 1). */
    public static final String EXAMPLES_FACTOR = "alignguard.examples.factor";

    /** System property: the model folder the laws of a given model run on ({@code GivenModelProperties}). */
    public static final String MODEL = "alignguard.model";

    /** System property: the kernel backend the laws of a given model run on ({@code scalar}, {@code vector}, {@code opencl}). */
    public static final String BACKEND = "alignguard.backend";

    /** The properties (besides the seed) a replay must pass on to run a law as it ran. */
    private static final List<String> REPLAYED = List.of(EXAMPLES, EXAMPLES_FACTOR, SHRINKS, MODEL, BACKEND);

    /** Generator retries allowed per example for generators filtered with {@code assuming}. */
    static final int GENERATE_ATTEMPTS = 100;

    private Laws() {
    }

    /**
     * A QuickTheory for the running law: {@code examples} examples (scaled, see {@link #examples}),
     * the law's seed, its shrink budget, and a reporter that throws {@link LawFalsified}.
     *
     * @param examples how many examples the law checks in {@code ./test} (the {@code tries} of the law before the move to QuickTheories)
     */
    public static QuickTheory qt(int examples) {
        if (examples < 1) {
            throw new IllegalArgumentException("a law checks at least one example, not " + examples);
        }
        String law = LawContext.currentLaw();
        long seed = seedFor(law);
        int planned = examples(examples);
        LawRun run = LawRun.current();
        if (run != null) {
            run.property(seed, examples, planned);
        }
        return QuickTheory.qt()
            .withExamples(planned)
            .withFixedSeed(seed)
            .withShrinkCycles(shrinks(planned))
            .withGenerateAttempts(GENERATE_ATTEMPTS)
            .withGuidance(prng -> run == null ? new NoGuidance() : new Counting(run))
            .withReporter(new LawFalsified.Reporter(law, seed));
    }

    /**
     * The examples a law stating {@code stated} checks: {@code -Dalignguard.examples=N} if set, else
     * {@code stated} times {@code -Dalignguard.examples.factor} (rounded, at least 1), else {@code stated}.
     */
    public static int examples(int stated) {
        String exact = System.getProperty(EXAMPLES);
        if (exact != null && !exact.isBlank()) {
            int n = parse(EXAMPLES, exact, Integer::parseInt);
            if (n < 1) {
                throw new IllegalArgumentException("-D" + EXAMPLES + " must be at least 1, not " + n);
            }
            return n;
        }
        String factor = System.getProperty(EXAMPLES_FACTOR);
        if (factor != null && !factor.isBlank()) {
            double f = parse(EXAMPLES_FACTOR, factor, Double::parseDouble);
            if (!(f > 0) || Double.isInfinite(f)) {
                throw new IllegalArgumentException("-D" + EXAMPLES_FACTOR + " must be a positive number, not " + factor);
            }
            return (int) Math.clamp(Math.round(stated * f), 1, Integer.MAX_VALUE);
        }
        return stated;
    }

    private static <T> T parse(String key, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + key + " is not a number: '" + value + "'", e);
        }
    }

    /** Counts the examples QuickTheories checks into the running law's {@link LawRun}; guides nothing. */
    private static final class Counting extends NoGuidance {
        private final LawRun run;

        Counting(LawRun run) {
            this.run = run;
        }

        @Override
        public void exampleExecuted() {
            run.exampleChecked();
        }
    }

    /**
     * Default shrink budget: ten cycles per example, at least 200 and at most 2,000. A cycle whose
     * raw draws were already tried is skipped without running the law, so once shrinking has
     * converged the remaining cycles cost almost nothing; for the slow laws (training runs of a
     * few seconds) the budget bounds the time a failure spends shrinking.
     */
    public static int shrinkCycles(int examples) {
        return Math.clamp(10L * examples, 200, 2_000);
    }

    private static int shrinks(int examples) {
        return Optional.ofNullable(System.getProperty(SHRINKS)).filter(s -> !s.isBlank())
            .map(s -> Integer.parseInt(s.trim())).orElse(shrinkCycles(examples));
    }

    /** The seed a law runs from: {@code -Dalignguard.seed}, or a fresh one for {@code random}, or {@link #defaultSeed}. */
    static long seedFor(String law) {
        String given = System.getProperty(SEED);
        if (given == null || given.isBlank()) {
            return defaultSeed(law);
        }
        if (given.trim().equalsIgnoreCase("random")) {
            return nonZero(new SplittableRandom().nextLong());
        }
        try {
            return Long.parseLong(given.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + SEED + " must be a long or 'random', not '" + given + "'", e);
        }
    }

    /**
     * A law's fixed seed: the 64-bit FNV-1a hash of its name ({@code TestClass#method}, simple class
     * name), so it depends on nothing but the name and is the same on every JVM and machine.
     */
    public static long defaultSeed(String law) {
        long h = 0xcbf29ce484222325L;
        for (byte b : law.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return nonZero(h);
    }

    /** QuickTheories' generator turns seed 0 into 1; avoid 0 so the printed seed is the one used. */
    private static long nonZero(long seed) {
        return seed == 0 ? 1 : seed;
    }

    /**
     * Assumptions checked inside a law's body, for preconditions that only the law's own
     * computation can tell (a spectral gap, a nonzero gradient): an example that fails one is set
     * aside, not checked. {@link #requireEnoughChecked()} then fails the law when more than five
     * examples were set aside per example checked (the discard ratio the suites allowed before the move), so a
     * law cannot pass by assuming its examples away. Preconditions a generator can decide are
     * better stated there, with {@code Gen.assuming}.
     */
    public static Assumptions assumptions() {
        return new Assumptions(LawContext.currentLaw());
    }

    /** See {@link #assumptions()}. */
    public static final class Assumptions {

        /** At most this many examples set aside per example checked. */
        public static final int MAX_DISCARD_RATIO = 5;

        private final String law;
        private int checked;
        private int discarded;

        private Assumptions(String law) {
            this.law = law;
        }

        /** Whether the example meets the assumption; counts it as checked or set aside. Use as {@code if (!a.hold(...)) return;}. */
        public boolean hold(boolean assumption) {
            if (assumption) {
                checked++;
            } else {
                discarded++;
            }
            return assumption;
        }

        /** Fails unless at least one example was checked and at most {@link #MAX_DISCARD_RATIO} per checked one set aside. */
        public void requireEnoughChecked() {
            if (checked == 0 || discarded > MAX_DISCARD_RATIO * checked) {
                throw new AssertionError("Law " + law + ": " + discarded + " example(s) set aside by assumptions, only "
                    + checked + " checked");
            }
        }

        /** Examples that met the assumptions. */
        public int checked() {
            return checked;
        }

        /** Examples set aside. */
        public int discarded() {
            return discarded;
        }
    }

    /** A law's body that may throw a checked exception (file I/O). */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body}, passing a checked exception on unchecked (QuickTheories' consumers declare
     * none); any exception still falsifies the example, with the original as the cause.
     */
    public static void unchecked(Body body) {
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.toString(), e);
        }
    }

    /**
     * The Maven command that replays {@code law} from {@code seed}, with the settings it ran under
     * (examples, shrinks, model, backend) where they were given.
     */
    public static String replayCommand(String law, long seed) {
        StringBuilder line = new StringBuilder("./mvnw -B -ntp -pl proofs -am verify -Dsurefire.failIfNoSpecifiedTests=false -Dtest='")
            .append(law).append("' -D").append(SEED).append('=').append(seed);
        for (String key : REPLAYED) {
            String value = System.getProperty(key);
            if (value != null && !value.isBlank()) {
                line.append(" -D").append(key).append('=').append(shellWord(value.trim()));
            }
        }
        return line.toString();
    }

    /** {@code word} as one shell word: as it is when it is plain, else in single quotes. */
    public static String shellWord(String word) {
        return word.matches("[A-Za-z0-9_./:=@%+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }
}
