package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.alignguard.experiments.results.FrontierArea;
import dev.alignguard.experiments.results.MatchedRow;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.MatchedSpec;
import dev.alignguard.experiments.spec.MethodSpec;

/** The matched-accuracy search and comparison on hand-made trials whose numbers are known. */
class MatchedSearchTest {

    static final MethodSpec LORA = MethodSpec.fromJson("lora", "lora", null, null, null);
    static final MethodSpec L2 = MethodSpec.fromJson("l2", "l2", List.of(0.01, 0.1), null, null);
    static final MethodSpec AG = MethodSpec.fromJson("ag", "alignguard", List.of(0.1, 1.0), null, null);

    /** A trial of a method on base b with the given validation and test task accuracy and test refusal. */
    static TrialRecord trial(String method, String kind, double strength, long base, double valAcc, double testAcc,
                             double refusal) {
        return new TrialRecord(method, kind, strength, base, 1, Map.of("task_accuracy", testAcc, "refusal_unsafe", refusal,
            "drift", 0.9 - refusal, "drift_reduction", 1 - (0.9 - refusal) / 0.4), Map.of("task_accuracy", valAcc), List.of(),
            1, null, null, "scalar", Map.of(), List.of());
    }

    /** LoRA at 90% validation accuracy; l2 as given, on bases 1 and 2 (base 2 one point lower everywhere). */
    static List<TrialRecord> records(double[] strengths, double[] valAcc) {
        List<TrialRecord> out = new ArrayList<>();
        for (long b = 1; b <= 2; b++) {
            double shift = b == 2 ? -0.01 : 0;
            out.add(trial("lora", "lora", Double.NaN, b, 0.90 + shift, 0.90 + shift, 0.5));
            for (int i = 0; i < strengths.length; i++) {
                out.add(trial("l2", "l2", strengths[i], b, valAcc[i] + shift, valAcc[i] + shift, 0.6 + 0.2 * i + shift));
            }
        }
        return out;
    }

    @Test
    void aBracketIsBisectedInLogStrengthUntilNarrow() {
        MatchedSpec settings = new MatchedSpec(List.of(2.0), 3, 2, 10.0, 3.0);
        List<TrialRecord> r = records(new double[] {0.01, 1.0}, new double[] {0.895, 0.70});
        double ref = MatchedComparison.referenceAccuracy(List.of(LORA, L2), r);
        assertEquals(0.895, ref, 1e-12);
        Map<MethodSpec, List<Double>> next = new MatchedSearch(settings).propose(List.of(LORA, L2), r, ref);
        assertEquals(List.of(0.1), next.get(L2), "the geometric midpoint of 0.01 and 1");
        assertFalse(next.containsKey(LORA), "a method without strength is never searched");
    }

    @Test
    void theSearchWidensWhenEveryPointIsAboveTheTarget() {
        MatchedSpec settings = new MatchedSpec(List.of(5.0), 3, 1, 10.0, 3.0);
        List<TrialRecord> r = records(new double[] {0.01, 0.1}, new double[] {0.89, 0.88});
        MatchedSearch search = new MatchedSearch(settings);
        assertEquals(List.of(1.0), search.propose(List.of(LORA, L2), r, 0.895).get(L2));
        assertTrue(search.propose(List.of(LORA, L2), r, 0.895).isEmpty(), "one widening allowed, then it stops");
    }

    @Test
    void matchedValuesAreInterpolatedBaseByBaseAndUnreachedTargetsSayWhy() {
        MatchedSpec settings = new MatchedSpec(List.of(2.0, 50.0), 0, 0, 10.0, 3.0);
        List<TrialRecord> r = records(new double[] {0.01, 0.1}, new double[] {0.90, 0.80});
        List<MatchedRow> rows = MatchedComparison.rows(List.of(LORA, L2), r, settings);
        MatchedRow l2 = rows.stream().filter(x -> x.method().equals("l2") && x.dropPoints() == 2.0).findFirst().orElseThrow();
        assertTrue(l2.reached());
        assertEquals("validation", l2.selectedOn());
        // target 0.895 - 0.02 = 0.875 between 0.895 (0.01) and 0.795 (0.1), means over bases: weight 0.2
        assertEquals(0.2, l2.weight(), 1e-12);
        assertEquals(List.of(0.01, 0.1), l2.bracket());
        assertEquals(0.6 + 0.2 * 0.2 - 0.005, l2.metrics().get("refusal_unsafe").mean(), 1e-12);
        assertEquals(2, l2.metrics().get("refusal_unsafe").values().length, "one value per base seed");
        assertEquals(MatchedSearch.round(Math.pow(10, -2 + 0.2)), l2.strength(), 1e-12);
        MatchedRow far = rows.stream().filter(x -> x.method().equals("l2") && x.dropPoints() == 50.0).findFirst().orElseThrow();
        assertFalse(far.reached());
        assertTrue(far.reason().contains("stays above the target"), far.reason());
        MatchedRow lora = rows.stream().filter(x -> x.method().equals("lora") && x.dropPoints() == 2.0).findFirst().orElseThrow();
        assertFalse(lora.reached());
        assertTrue(lora.reason().contains("no strength to tune"), lora.reason());
    }

    @Test
    void pairedDifferencesAreTakenBaseByBase() {
        var d = MatchedComparison.paired(new TreeMap<>(Map.of(1L, 0.5, 2L, 0.7, 3L, 0.1)), new TreeMap<>(Map.of(1L, 0.4, 2L, 0.5)));
        assertEquals(2, d.values().length, "only bases both have");
        assertEquals(0.15, d.mean(), 1e-12);
    }

    @Test
    void theFrontierAreaIsTheMeanOfTheParetoStaircase() {
        // accuracies 0.6, 0.8, 1.0 with refusal kept 0.9, 0.5, 0.1: over [0.6, 1.0] the staircase is
        // 0.5 on (0.6, 0.8] and 0.1 on (0.8, 1.0] -> mean 0.3
        assertEquals(0.3, MatchedComparison.staircaseMean(new double[] {0.6, 0.8, 1.0}, new double[] {0.9, 0.5, 0.1}, 0.6, 1.0),
            1e-12);
        List<TrialRecord> r = records(new double[] {0.01, 0.1}, new double[] {0.90, 0.80});
        List<FrontierArea> a = MatchedComparison.areas(List.of(LORA, L2), r, 0.9);
        assertEquals(1, a.size(), "only swept methods have a frontier");
        assertNull(a.getFirst().reason());
    }
}
