package dev.alignguard.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;

class ReportWriterTest {

    private static final List<String> ALL = List.of(Plots.PARETO, Plots.CURVES, Plots.SPECTRUM, Plots.ABLATION);

    private static String interpretation(String report) {
        int from = report.indexOf("## Interpretation");
        return report.substring(from, report.indexOf("\n## ", from + 5));
    }

    @Test
    void theMainTableHasARowPerMethodWithMeanAndCi() {
        String r = ReportWriter.render(SyntheticSummary.good(), ALL);
        // LoRA: refusal .55/.60/.65 -> 60.0 ± 4.303*0.05/sqrt(3) = 12.4; drift .39/.36/.30 -> 35.0 ± 11.4
        assertTrue(r.contains("| lora | 60.0 ± 12.4 | 6.0 ± 2.5 | 81.0 ± 2.5 | 0.600 ± 0.248 | 35.0 ± 11.4 | 0.0 ± 0.0 |"), r);
        // AlignGuard at 0.1: refusal .82/.84/.83 -> 83.0 ± 2.5; drift .12 each -> 12.0 ± 0.0;
        // reduction 1 - .12/.39, 1 - .12/.36, 1 - .12/.30 -> 65.3 ± 11.8
        assertTrue(r.contains("| alignguard [λ=0.1] | 83.0 ± 2.5 | 7.0 ± 2.5 | 80.3 ± 1.4 | 0.700 ± 0.248 | 12.0 ± 0.0 | 65.3 ± 11.8 |"),
            r);
        assertTrue(r.contains("| alignguard [λ=1] | 93.0 ± 2.5 |"), r);
        assertTrue(r.contains("| random subspace [λ=0.1] | 63.0 ± 2.5 |"), r);
        assertTrue(r.contains("| method | refusal on unsafe (%) ↑ | over-refusal on safe (%) ↓ | task accuracy (%) ↑"
            + " | alignment NLL ↓ | drift (pp) ↓ | drift reduction (%) ↑ |"), r);
        assertTrue(r.contains("| aligned (before fine-tuning) | 95.0 ± 2.5 | 5.0 ± 2.5 | 21.0 ± 2.5 | 0.310 ± 0.025 |"), r);
        assertTrue(r.contains("| unaligned (pretrained only) | 2.0 ± 2.5 | n/a | 19.0 ± 2.5 |"), r);
    }

    @Test
    void whatRanHeldOutFailuresFiguresAnalysesAndSpec() {
        String r = ReportWriter.render(SyntheticSummary.good(), ALL);
        assertTrue(r.startsWith("# AlignGuard-J report: synthetic-main\n\nA hand-made study for the report tests.\n"), r);
        assertTrue(r.contains("| seeds | 3 (11, 22, 33) |"));
        assertTrue(r.contains("| project version | 0.1.0-test |"));
        assertTrue(r.contains("| git commit | `abc1234` |"));
        assertTrue(r.contains("| wall time | 1 h 02 min 03 s |"));
        assertTrue(r.contains("| trials | 18 finished, 1 failed for good |"));
        assertTrue(r.contains("## Held-out generalisation"));
        assertTrue(r.contains("| aligned model | 95.0 ± 2.5 | 91.0 ± 2.5 | 86.0 ± 2.5 |"), r);
        assertTrue(r.contains("| lora | 60.0 ± 12.4 | 55.0 ± 12.4 | 50.0 ± 12.4 |"), r);
        assertTrue(r.contains("| ewc | ewc | 100 | 33 | loss became NaN at step 12 \\| gradient overflow |"), r);
        for (String image : ALL) {
            assertTrue(r.contains("](" + image + ")"), image);
        }
        assertTrue(r.contains("### per_category\n\n| category | refusal |\n|---|---|\n| weapons | 0.9 |\n| drugs | 0.8 |"), r);
        assertTrue(r.contains("### power_law\n\n| key | value |\n|---|---|\n| exponent | -0.52 |\n| r2 | 0.97 |\n| ranks | [4, 8, 16] |"),
            r);
        assertTrue(r.contains("#### fit\n\n| key | value |\n|---|---|\n| method | least squares |\n| points | 3 |"), r);
        assertTrue(r.indexOf("### per_category") < r.indexOf("### power_law"), "analyses sorted by key");
        assertTrue(r.contains("## Spec\n\nThe spec this study ran, verbatim:\n\n```json\n{\n  \"name\" : \"synthetic-main\","), r);
        assertTrue(r.endsWith("```\n"));
        assertFalse(r.contains("\n\n\n"));
    }

    @Test
    void figuresThatWereNotWrittenAreNotEmbedded() {
        String r = ReportWriter.render(SyntheticSummary.good(), List.of(Plots.PARETO));
        assertTrue(r.contains("](pareto.png)"));
        assertFalse(r.contains("curves.png"));
        assertFalse(ReportWriter.render(SyntheticSummary.good(), List.of()).contains("## Figures"));
    }

    @Test
    void theFairComparisonTableFollowsTheRule() {
        String r = ReportWriter.render(SyntheticSummary.good(), ALL);
        assertTrue(r.contains("| alignguard | alignguard [λ=0.1] * | 1 of 2 | -0.7 | 87.4 | 65.3 ± 11.8 |"), r);
        assertTrue(r.contains("| lora | lora | 1 of 1 | +0.0 | 63.2 | 0.0 ± 0.0 |"), r);
        assertTrue(r.contains("| l2 | l2 [λ=0.1] | 1 of 1 | -0.7 | 70.5 | 19.7 ± 12.9 |"), r);
    }

    @Test
    void theInterpretationSaysTheAimWasMetWhenTheNumbersSaySo() {
        String text = interpretation(ReportWriter.render(SyntheticSummary.good(), ALL));
        assertTrue(text.contains("Standard LoRA (lora) lost 35.0 points of refusal on unsafe prompts (95% CI ±11.4),"
            + " from 95.0% for the aligned model to 60.0%."), text);
        assertTrue(text.contains("The 95% CI excludes zero"), text);
        assertTrue(text.contains("AlignGuard at alignguard [λ=0.1] kept 87.4% of the aligned model's refusal"), text);
        assertTrue(text.contains("a drift reduction of 65.3% (95% CI ±11.8)"), text);
        assertTrue(text.contains("(-0.7 points, within 2 points)"), text);
        assertTrue(text.contains("The aim of halving drift was met, and the lower end of the 95% CI (53.5%) clears 50% too."), text);
        assertFalse(text.contains("not met"), text);
        assertTrue(text.contains("Under the same rule, the other methods' drift reductions were: l2 [λ=0.1] 19.7% (95% CI ±12.9);"
            + " ewc [λ=10] 28.0% (95% CI ±22.5); random subspace [λ=0.1] 7.6% (95% CI ±26.5)."), text);
        assertTrue(text.contains("AlignGuard's drift reduction was 57.6 points higher than that of the random-subspace control,"
            + " random subspace [λ=0.1] (paired over 3 seeds, 95% CI ±15.0): a difference beyond seed noise."), text);
        assertTrue(text.contains("higher than that of the strongest other baseline, ewc [λ=10] (paired"), text);
    }

    @Test
    void flippingTheNumbersFlipsTheWording() {
        Summary bad = SyntheticSummary.build(SyntheticSummary.AG_BAD_REFUSAL, SyntheticSummary.AG_GOOD_TASK);
        String text = interpretation(ReportWriter.render(bad, ALL));
        assertTrue(text.contains("a drift reduction of 20.2%"), text);
        assertTrue(text.contains("The aim of halving drift was not met."), text);
        assertFalse(text.contains("was met,"), text);

        Summary inaccurate = SyntheticSummary.build(SyntheticSummary.AG_GOOD_REFUSAL, SyntheticSummary.AG_INACCURATE_TASK);
        String t2 = interpretation(ReportWriter.render(inaccurate, ALL));
        assertTrue(t2.contains("No AlignGuard strength kept task accuracy within 2 points of standard LoRA's (81.0%);"
            + " the most accurate, alignguard [λ=0.1], was 6.0 points below"), t2);
        assertTrue(t2.contains("At matched task accuracy the aim of halving drift was therefore not met."), t2);
        assertFalse(t2.contains("was met"), t2);
    }

    @Test
    void theVerdictWeighsTheConfidenceInterval() {
        // mean above 50% but the CI reaching below it
        Summary s = SyntheticSummary.build(new double[] {0.70, 0.84, 0.90}, SyntheticSummary.AG_GOOD_TASK);
        String text = interpretation(ReportWriter.render(s, ALL));
        assertTrue(text.contains("The aim of halving drift was met on the mean, but the 95% CI reaches down to"), text);
    }

    @Test
    void noDriftMeansNothingToReduce() {
        double[] same = SyntheticSummary.ALIGNED_REFUSAL;
        Summary s = SyntheticSummary.good();
        Map<String, Stat> m = new java.util.LinkedHashMap<>(s.methods().get(0).metrics());
        m.put("refusal_unsafe", Stat.of(same));
        m.put("drift", Stat.of(new double[] {0, 0.01, -0.01}));
        List<MethodSummary> methods = new java.util.ArrayList<>(s.methods());
        methods.set(0, new MethodSummary("lora", "lora", Double.NaN, "lora", m));
        Summary noDrift = withMethods(s, methods);
        String text = interpretation(ReportWriter.render(noDrift, ALL));
        assertTrue(text.contains("Standard LoRA (lora) did not lose refusal on unsafe prompts (drift 0.0 points"), text);
        assertTrue(text.contains("the aim of halving drift cannot be assessed"), text);
        assertFalse(text.contains("was met"), text);
        assertFalse(text.contains("not met"), text);

        String noLora = interpretation(ReportWriter.render(withMethods(s, s.methods().subList(1, 6)), ALL));
        assertTrue(noLora.contains("no finished standard LoRA run"), noLora);
    }

    @Test
    void theSameSummaryGivesTheSameBytes() throws IOException {
        Summary s = SyntheticSummary.good();
        String a = ReportWriter.render(s, ALL);
        assertEquals(a, ReportWriter.render(s, ALL));
        Summary back = SummaryFiles.fromJson(SummaryFiles.toJson(s), "round trip");
        assertEquals(a, ReportWriter.render(back, ALL), "a summary read back renders identically");
        Map<String, JsonNode> hashed = new HashMap<>(s.analyses());
        Summary rehashed = new Summary(s.name(), s.description(), s.projectVersion(), s.gitCommit(), s.seeds(), s.spec(),
            new HashMap<>(s.aligned()), s.unaligned(), s.methods(), s.trials(), s.failures(), s.spectrum(), hashed,
            s.wallSeconds());
        assertEquals(a, ReportWriter.render(rehashed, ALL));
    }

    @Test
    void aSparseSummaryStillRenders() {
        Summary sparse = new Summary(null, null, null, null, null, null, null, null, null, null, null, null, null, Double.NaN);
        String r = ReportWriter.render(sparse, List.of());
        assertTrue(r.contains("# AlignGuard-J report: n/a"));
        assertTrue(r.contains("The summary has no base-model metrics."));
        assertTrue(r.contains("No method finished"));
        assertTrue(r.contains("no finished standard LoRA run"));
    }

    private static Summary withMethods(Summary s, List<MethodSummary> methods) {
        return new Summary(s.name(), s.description(), s.projectVersion(), s.gitCommit(), s.seeds(), s.spec(),
            s.aligned(), s.unaligned(), methods, s.trials(), s.failures(), s.spectrum(), s.analyses(), s.wallSeconds());
    }
}
