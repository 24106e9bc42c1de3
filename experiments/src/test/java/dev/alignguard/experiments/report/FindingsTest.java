package dev.alignguard.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.alignguard.experiments.results.MatchedRow;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;

/** The verdicts of the matched comparison, computed from numbers whose answer is known. */
class FindingsTest {

    static MatchedRow row(String method, String kind, boolean reached, double dr, Stat vs) {
        return new MatchedRow(method, kind, 2, 0.9, reached, reached ? null : "stays above", 0.1, List.of(0.05, 0.2), 0.5,
            "validation", reached ? Map.of("drift_reduction", Stat.of(new double[] {dr - 0.01, dr, dr + 0.01})) : Map.of(),
            vs == null ? Map.of() : Map.of("drift_reduction", vs));
    }

    static Summary summary(List<MatchedRow> rows) {
        return new Summary("s", null, null, null, new long[] {1}, new long[] {1, 2, 3}, null, Map.of(), Map.of(), List.of(),
            List.of(), List.of(), List.of(), Map.of(), 1, null, "nested", rows, List.of(), List.of());
    }

    @Test
    void verdictsFollowThePairedIntervals() {
        Findings f = Findings.of(summary(List.of(
            row("ag", "alignguard", true, 0.8, null),
            row("l2", "l2", true, 0.5, Stat.of(new double[] {-0.31, -0.3, -0.29})),     // l2 - ag, clear of zero
            row("ewc", "ewc", true, 0.75, Stat.of(new double[] {-0.2, 0.1, -0.05})),    // straddles zero
            row("better", "l2", true, 0.9, Stat.of(new double[] {0.1, 0.11, 0.09})),
            row("far", "l2", false, 0, null))));
        assertEquals("ag", f.reference());
        Findings.Target t = f.targets().getFirst();
        assertTrue(t.halvesOnMean() && t.halvesWithConfidence(), "0.8 with a narrow interval clears 50%");
        Map<String, Findings.Verdict> v = new java.util.HashMap<>();
        t.comparisons().forEach(c -> v.put(c.method(), c.verdict()));
        assertEquals(Findings.Verdict.BETTER, v.get("l2"));
        assertEquals(Findings.Verdict.NOT_DISTINGUISHABLE, v.get("ewc"));
        assertEquals(Findings.Verdict.WORSE, v.get("better"));
        assertEquals(Findings.Verdict.NOT_COMPARABLE, v.get("far"));
        assertEquals(0.3, t.comparisons().getFirst().difference().mean(), 1e-12, "AlignGuard minus L2");
        String text = MatchedSection.interpretation(summary(List.of(row("ag", "alignguard", true, 0.8, null),
            row("l2", "l2", true, 0.5, Stat.of(new double[] {-0.31, -0.3, -0.29})))));
        assertTrue(text.contains("keeps more refusal than l2"), text);
    }

    @Test
    void anUnreachedAlignGuardIsNotComparedAtAll() {
        Findings f = Findings.of(summary(List.of(row("ag", "alignguard", false, 0, null),
            row("l2", "l2", true, 0.5, Stat.of(new double[] {-0.3, -0.3, -0.3})))));
        Findings.Target t = f.targets().getFirst();
        assertFalse(t.halvesOnMean());
        assertEquals(Findings.Verdict.NOT_COMPARABLE, t.comparisons().getFirst().verdict());
    }
}
