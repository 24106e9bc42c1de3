package dev.alignguard.proofs.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.alignguard.math.linalg.Vec;
import dev.alignguard.math.projection.Projector;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.OrthonormalBases;
import dev.alignguard.proofs.linalg.ProjectorLaws;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * The property harness itself: a law checks as many examples as it states, draws them from its
 * seed (the same seed, the same examples), reports a failure with its seed and a replay command,
 * replays it from that seed, and shrinks a counterexample toward small dimensions and ranks.
 *
 * <p>The shrinking check runs the real {@link ProjectorLaws} on a deliberately broken projector,
 * {@link ScaledAboveRankTwo}, that exists only for tests: P' = 1.001 U U^T once the rank is 3
 * or more, which is not idempotent. QuickTheories' first examples include the largest shape
 * (D = 40, m = 40), so without shrinking the reported counterexample would be that one; with
 * shrinking it must come down to the smallest failing shape, D = m = 3.
 */
@Tag(LawTags.HARNESS)
class LawsHarnessTest {

    /** The harness's settings, cleared for each test so that it sees the defaults, and restored after. */
    private static final List<String> SETTINGS = List.of(Laws.SEED, Laws.SHRINKS, Laws.EXAMPLES, Laws.EXAMPLES_FACTOR, Laws.MODEL,
        Laws.BACKEND);

    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void saveProperties() {
        for (String key : SETTINGS) {
            saved.put(key, System.getProperty(key));
            System.clearProperty(key);
        }
    }

    @AfterEach
    void restoreProperties() {
        SETTINGS.forEach(key -> restore(key, saved.get(key)));
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    // ------------------------------------------------------------------ the broken projector

    /**
     * The projector laws over the broken projector, with the basis-projector generator (D in [1, 40], m in [0, D]).
     * Tagged like its outer class, so that {@code alignguard verify}, which finds nested test classes too, leaves it out.
     */
    @Tag(LawTags.HARNESS)
    static final class BrokenProjectorLaws implements ProjectorLaws<ScaledAboveRankTwo> {
        @Override
        public Gen<ScaledAboveRankTwo> projectors() {
            return OrthonormalBases.basisProjectors(40).map(ScaledAboveRankTwo::new);
        }

        @Override
        public double[] rangeElement(ScaledAboveRankTwo p, Random rng) {
            double[] v = new double[p.dim()];
            for (double[] col : p.inner().basis()) {
                Vec.axpy(rng.nextGaussian(), col, v);
            }
            return v;
        }
    }

    private static Projector projectorOf(Object sample) {
        return ((ProjectorLaws.Sample<?>) sample).p();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aBrokenProjectorShrinksToTheSmallestFailingShape() {
        LawFalsified failure = assertThrows(LawFalsified.class, () -> new BrokenProjectorLaws().idempotent());
        Projector smallest = projectorOf(failure.smallest());
        Projector first = projectorOf(failure.falsifying().getLast());
        System.out.println("Deliberately broken projector, as the harness reports it:" + System.lineSeparator() + failure.getMessage());
        assertTrue(first.dim() >= 10, "the first counterexample found is large: " + first);
        assertEquals(3, smallest.rank(), "shrunk to the smallest failing rank: " + smallest);
        assertTrue(smallest.dim() <= 4, "shrunk to a small dimension: " + smallest);
        assertTrue(failure.getCause() != null && failure.getCause().getMessage().contains("||P(Px) - Px||"),
            "the law's own failure is the cause");
        assertTrue(failure.getMessage().contains("seed " + failure.seed()), failure.getMessage());
        assertTrue(failure.getMessage().contains("-Dalignguard.seed=" + failure.seed()), failure.getMessage());
        assertTrue(failure.getMessage().contains("-Dtest='LawsHarnessTest#aBrokenProjectorShrinksToTheSmallestFailingShape'"),
            failure.getMessage());
        assertEquals(Laws.defaultSeed("LawsHarnessTest#aBrokenProjectorShrinksToTheSmallestFailingShape"), failure.seed());
    }

    @Test
    void aFailureReplaysFromItsPrintedSeed() {
        System.setProperty(Laws.SEED, "random");
        LawFalsified first = assertThrows(LawFalsified.class, () -> new BrokenProjectorLaws().fixesItsRange());
        System.setProperty(Laws.SEED, Long.toString(first.seed()));
        LawFalsified replay = assertThrows(LawFalsified.class, () -> new BrokenProjectorLaws().fixesItsRange());
        assertEquals(first.seed(), replay.seed());
        assertEquals(first.examples(), replay.examples());
        assertEquals(first.falsifying().size(), replay.falsifying().size());
        assertEquals(first.smallest().toString(), replay.smallest().toString());
        assertEquals(first.getMessage(), replay.getMessage());
    }

    @Test
    void aLawChecksEveryExampleItStatesFromItsSeed() {
        List<String> once = drawn(60);
        assertEquals(60, once.size(), "examples checked");
        assertEquals(once, drawn(60), "the same (default) seed draws the same examples");
        System.setProperty(Laws.SEED, "12345");
        List<String> fixed = drawn(60);
        assertEquals(fixed, drawn(60), "the same given seed draws the same examples");
        assertNotEquals(once, fixed, "another seed draws other examples");
    }

    @Test
    void examplesScaleByTheFactorOrAreGivenExactlyAndAreCounted() {
        System.setProperty(Laws.EXAMPLES_FACTOR, "2.5");
        assertEquals(150, drawn(60).size(), "60 examples times 2.5");
        assertEquals(3, Laws.examples(1), "2.5 rounds to 3");
        System.setProperty(Laws.EXAMPLES_FACTOR, "0.01");
        assertEquals(1, Laws.examples(10), "at least one example");
        System.setProperty(Laws.EXAMPLES_FACTOR, "2.5");
        System.setProperty(Laws.EXAMPLES, "7");
        assertEquals(7, drawn(60).size(), "an exact count overrides the factor");
        System.setProperty(Laws.EXAMPLES, "0");
        assertThrows(IllegalArgumentException.class, () -> Laws.examples(60));

        LawRun run = LawRun.current();
        assertTrue(run != null && run.law().equals("LawsHarnessTest#examplesScaleByTheFactorOrAreGivenExactlyAndAreCounted"),
            "LawContext began a run for this test: " + run);
        assertEquals(150 + 7, run.examplesChecked(), "every example checked is counted");
        assertEquals(60 + 60, run.examplesStated());
        assertEquals(150 + 7, run.examplesPlanned());
        assertEquals(Laws.defaultSeed(run.law()), run.seed().orElseThrow());
    }

    @Test
    void boundedChecksRecordTheWorstErrorAgainstItsBound() {
        LawRun run = LawRun.current();
        assertTrue(run.worstRatio().isEmpty(), "no bounded check yet");
        Bounds.atMost(1, 4, "error");
        Bounds.close(10, 10.5, 1, "value");
        Bounds.atMost(0, 0, "exact");
        assertEquals(0.5, run.worstRatio().orElseThrow());
        assertEquals(3, run.boundedChecks());
        AssertionError e = assertThrows(AssertionError.class, () -> Bounds.atMost(3, 2, "too large"));
        assertTrue(e.getMessage().contains("too large: 3.0 exceeds the bound 2.0"), e.getMessage());
        assertEquals(1.5, run.worstRatio().orElseThrow(), "a failed check is the worst");
        assertThrows(AssertionError.class, () -> Bounds.close(1, Double.NaN, 1, "NaN"));
        assertEquals(Double.POSITIVE_INFINITY, run.worstRatio().orElseThrow(), "NaN never passes");
        Bounds.close(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0, "the same double passes, as in assertEquals");
    }

    @Test
    void theReplayCommandCarriesTheSettingsALawRanUnder() {
        System.setProperty(Laws.EXAMPLES_FACTOR, "10");
        System.setProperty(Laws.MODEL, "/tmp/a model");
        String line = Laws.replayCommand("C#law", 42);
        assertTrue(line.endsWith("-Dtest='C#law' -Dalignguard.seed=42 -Dalignguard.examples.factor=10 -Dalignguard.model='/tmp/a model'"),
            line);
    }

    private static List<String> drawn(int examples) {
        List<String> seen = new ArrayList<>();
        Laws.qt(examples).forAll(SourceDSL.integers().between(1, 40), Gaussians.seeds())
            .checkAssert((d, seed) -> seen.add(d + "/" + seed));
        return seen;
    }

    @Test
    void assumptionsThatSetAsideTooManyExamplesFailTheLaw() {
        Laws.Assumptions most = Laws.assumptions();
        Laws.qt(60).forAll(SourceDSL.longs().between(0, 1_000_000)).checkAssert(i -> most.hold(i < 50_000));
        AssertionError e = assertThrows(AssertionError.class, most::requireEnoughChecked);
        assertTrue(e.getMessage().contains("set aside"), e.getMessage());

        Laws.Assumptions some = Laws.assumptions();
        Laws.qt(60).forAll(SourceDSL.longs().between(0, 1_000_000)).checkAssert(i -> some.hold(i < 500_000));
        some.requireEnoughChecked();
        assertTrue(some.checked() > 0 && some.discarded() > 0 && some.checked() + some.discarded() <= 60);
    }
}
