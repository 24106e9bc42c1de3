package dev.alignguard.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.alignguard.experiments.report.ParetoFrontier.FairPick;
import dev.alignguard.experiments.report.ParetoFrontier.Point;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;

class ParetoFrontierTest {

    private static Point p(String method, String kind, double strength, double task, double kept) {
        return Point.of(method, kind, strength, task, kept);
    }

    @Test
    void dominanceNeedsNoWorseOnBothAndBetterOnOne() {
        Point a = p("a", "x", 1, 0.8, 0.6);
        assertTrue(ParetoFrontier.dominates(a, p("b", "x", 1, 0.8, 0.5)));
        assertTrue(ParetoFrontier.dominates(a, p("b", "x", 1, 0.7, 0.6)));
        assertFalse(ParetoFrontier.dominates(a, p("b", "x", 1, 0.8, 0.6)), "equal points do not dominate");
        assertFalse(ParetoFrontier.dominates(a, p("b", "x", 1, 0.9, 0.5)), "a trade-off is not dominance");
        assertFalse(ParetoFrontier.dominates(a, p("b", "x", 1, Double.NaN, 0.1)));
        assertFalse(ParetoFrontier.dominates(p("b", "x", 1, Double.NaN, 0.9), a));
    }

    @Test
    void nonDominatedSetOnHandMadePoints() {
        Point a = p("m", "x", 1, 0.80, 0.60);
        Point b = p("m", "x", 2, 0.70, 0.90);
        Point c = p("n", "x", 1, 0.75, 0.70);
        Point d = p("n", "x", 2, 0.60, 0.85); // dominated by b
        Point e = p("o", "x", 1, 0.80, 0.50); // dominated by a
        Point nan = p("o", "x", 2, Double.NaN, 1.0);
        Point twinOfC = p("o", "x", 3, 0.75, 0.70);
        List<Point> front = ParetoFrontier.nonDominated(List.of(a, b, c, d, e, nan, twinOfC));
        assertEquals(List.of(b, c, twinOfC, a), front, "sorted by task accuracy; equal points both kept; NaN ignored");

        Map<String, List<Point>> per = ParetoFrontier.frontierPerMethod(List.of(a, b, c, d, e, nan));
        assertEquals(List.of("m", "n", "o"), List.copyOf(per.keySet()));
        assertEquals(List.of(b, a), per.get("m"));
        assertEquals(List.of(d, c), per.get("n"), "within its own method d is not dominated");
        assertEquals(List.of(e), per.get("o"));
        assertTrue(ParetoFrontier.nonDominated(List.of()).isEmpty());
    }

    @Test
    void fairComparisonPicksTheBestRefusalWithinTheToleranceOfLora() {
        Point lora = p("lora", "lora", Double.NaN, 0.80, 0.60);
        Point agWeak = p("alignguard", "alignguard", 0.1, 0.79, 0.85);   // 1 point below: eligible
        Point agStrong = p("alignguard", "alignguard", 1.0, 0.70, 0.98); // 10 points below: not
        Point agEdge = p("alignguard", "alignguard", 0.3, 0.7801, 0.84); // just inside
        Point l2 = p("l2", "l2", 0.1, 0.85, 0.70);                       // more accurate than LoRA: eligible
        Point ewc = p("ewc", "ewc", 100, 0.60, 0.99);                    // never eligible
        List<FairPick> picks = ParetoFrontier.fairComparison(List.of(lora, agWeak, agStrong, agEdge, l2, ewc), 0.02);
        assertEquals(List.of("lora", "alignguard", "l2", "ewc"), picks.stream().map(FairPick::method).toList());

        FairPick lp = picks.get(0);
        assertSame(lora, lp.point());
        assertEquals(0, lp.driftReduction(), 1e-12, "LoRA against itself");

        FairPick ag = picks.get(1);
        assertSame(agWeak, ag.point());
        assertEquals(2, ag.eligible());
        assertEquals(3, ag.total());
        assertEquals(-0.01, ag.taskDelta(), 1e-12);
        assertEquals(1 - 0.15 / 0.40, ag.driftReduction(), 1e-12);

        assertSame(l2, picks.get(2).point());
        assertEquals(0.25, picks.get(2).driftReduction(), 1e-12);

        FairPick none = picks.get(3);
        assertNull(none.point());
        assertEquals(0, none.eligible());
        assertTrue(Double.isNaN(none.driftReduction()));

        // a looser tolerance admits the strong point, which then wins
        assertSame(agStrong, ParetoFrontier.fairComparison(List.of(lora, agWeak, agStrong), 0.10).get(1).point());
    }

    @Test
    void tiesGoToTheMoreAccuratePoint() {
        Point lora = p("lora", "lora", Double.NaN, 0.80, 0.60);
        Point x = p("a", "a", 1, 0.79, 0.9);
        Point y = p("a", "a", 2, 0.81, 0.9);
        assertSame(y, ParetoFrontier.bestWithin(List.of(x, y), lora, 0.02).orElseThrow());
    }

    @Test
    void driftReductionIsUndefinedWithoutLoraDrift() {
        assertEquals(0.5, ParetoFrontier.driftReduction(0.8, 0.6), 1e-12);
        assertEquals(1.0, ParetoFrontier.driftReduction(1.0, 0.6), 1e-12);
        assertEquals(-0.5, ParetoFrontier.driftReduction(0.4, 0.6), 1e-12, "worse than LoRA is negative");
        assertTrue(Double.isNaN(ParetoFrontier.driftReduction(0.8, 1.0)));
        assertTrue(Double.isNaN(ParetoFrontier.driftReduction(0.8, 1.1)));
        assertTrue(ParetoFrontier.fairComparison(List.of(p("a", "a", 1, 0.8, 0.8)), 0.02).isEmpty(), "no LoRA, no rule");
    }

    @Test
    void pointsFromASummaryAreRelativeToTheAlignedRefusal() {
        Summary s = SyntheticSummary.good();
        List<Point> points = ParetoFrontier.points(s);
        assertEquals(6, points.size());
        assertEquals(0.60 / 0.95, points.get(0).refusalKept(), 1e-12);
        assertEquals(0.81, points.get(0).taskAccuracy(), 1e-12);
        assertEquals("alignguard [λ=0.1]", points.get(1).label());
        assertSame(s.methods().get(1), points.get(1).source());
        assertTrue(ParetoFrontier.reference(s).relative());
        // the per-seed drift reduction of the pipeline and the from-means one agree on order of magnitude
        FairPick ag = ParetoFrontier.fairComparison(points, 0.02).get(1);
        assertEquals(1 - (0.95 - 0.83) / (0.95 - 0.60), ag.driftReduction(), 1e-12);

        Summary noAligned = new Summary("x", null, null, null, new long[0], null, Map.of(), null, s.methods(),
            List.of(), List.of(), List.of(), Map.of(), 0);
        assertFalse(ParetoFrontier.reference(noAligned).relative());
        assertEquals(0.60, ParetoFrontier.points(noAligned).get(0).refusalKept(), 1e-12, "raw rate as fallback");
        Summary zero = new Summary("x", null, null, null, new long[0], null,
            Map.of("refusal_unsafe", new Stat(0, Double.NaN, new double[] {0})), null, s.methods(),
            List.of(), List.of(), List.of(), Map.of(), 0);
        assertFalse(ParetoFrontier.reference(zero).relative());
        assertTrue(Double.isNaN(ParetoFrontier.refusalKept(0.5, 0)));
    }
}
