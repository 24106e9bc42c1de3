package dev.alignguard.proofs.harness;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one run of one law did, for whoever reports on it ({@code alignguard verify}): the seed it
 * ran from, the examples it stated, planned ({@link Laws#examples}) and checked, and the worst
 * ratio of an observed error to its bound over every bounded check it made ({@link Bounds}).
 *
 * <p>{@link LawContext} begins a run before each test and ends it after; {@link Laws#qt} and
 * {@link Bounds} add to the current one. A reporter takes a finished run by the JUnit unique id of
 * its test ({@link #take}). Outside JUnit there is no current run and nothing is recorded.
 */
public final class LawRun {

    private static final Map<String, LawRun> BY_ID = new ConcurrentHashMap<>();
    private static final ThreadLocal<LawRun> CURRENT = new ThreadLocal<>();
    private static volatile LawRun latest;

    private final String uniqueId;
    private final String law;
    private final AtomicInteger checked = new AtomicInteger();
    private volatile long seed;
    private volatile boolean seeded;
    private volatile int stated;
    private volatile int planned;
    private double worstRatio = Double.NaN;
    private long boundedChecks;

    private LawRun(String uniqueId, String law) {
        this.uniqueId = uniqueId;
        this.law = law;
    }

    // ---------------------------------------------------------------- the registry

    /** Starts recording {@code law} (test {@code uniqueId}) on this thread; returns the run it replaces, to restore at the end. */
    static LawRun begin(String uniqueId, String law) {
        LawRun previous = CURRENT.get();
        LawRun run = new LawRun(uniqueId, law);
        BY_ID.put(uniqueId, run);
        CURRENT.set(run);
        latest = run;
        return previous;
    }

    /** Stops recording on this thread and makes {@code previous} (null for none) current again. */
    static void end(LawRun previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    /** The run of the law executing on this thread, or null outside a JUnit test. */
    static LawRun current() {
        return CURRENT.get();
    }

    /** The run most recently begun on any thread (for a progress display that polls it), or null. */
    public static LawRun latest() {
        return latest;
    }

    /** Removes and returns the run of the test with this JUnit unique id. */
    public static Optional<LawRun> take(String uniqueId) {
        return Optional.ofNullable(BY_ID.remove(uniqueId));
    }

    // ---------------------------------------------------------------- recording

    /** Called by {@link Laws#qt}: the seed and the examples of one property (a law states one; more are added up). */
    void property(long usedSeed, int statedExamples, int plannedExamples) {
        this.seed = usedSeed;
        this.seeded = true;
        this.stated += statedExamples;
        this.planned += plannedExamples;
    }

    /** Called once per example QuickTheories checks (not for the ones it runs while shrinking). */
    void exampleChecked() {
        checked.incrementAndGet();
    }

    /** Called by {@link Bounds}: one check of an error against its bound. */
    synchronized void observe(double ratio) {
        boundedChecks++;
        if (Double.isNaN(worstRatio) || ratio > worstRatio || Double.isNaN(ratio)) {
            worstRatio = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio;
        }
    }

    // ---------------------------------------------------------------- reading

    /** The JUnit unique id of the test. */
    public String uniqueId() {
        return uniqueId;
    }

    /** {@code TestClass#method}. */
    public String law() {
        return law;
    }

    /** The seed of the law's property, if it ran one. */
    public Optional<Long> seed() {
        return seeded ? Optional.of(seed) : Optional.empty();
    }

    /** Examples as written in the law ({@code Laws.qt(n)}). */
    public int examplesStated() {
        return stated;
    }

    /**
     * Examples the law was asked to check: the stated ones scaled by {@code -Dalignguard.examples.factor},
     * or {@code -Dalignguard.examples}.
     */
    public int examplesPlanned() {
        return planned;
    }

    /** Examples checked so far (fewer than planned when the law was falsified, or when QuickTheories skipped a repeated draw). */
    public int examplesChecked() {
        return checked.get();
    }

    /**
     * The largest {@code error / bound} over the law's bounded checks (above 1 for a check that
     * failed; infinite for an error where the bound is 0, or a NaN), empty when the law made none:
     * an exact (bit-for-bit) or logical law.
     */
    public synchronized Optional<Double> worstRatio() {
        return boundedChecks == 0 ? Optional.empty() : Optional.of(worstRatio);
    }

    /** How many bounded checks the law made. */
    public synchronized long boundedChecks() {
        return boundedChecks;
    }

    @Override
    public String toString() {
        return law + " (" + checked.get() + "/" + planned + " examples)";
    }
}
