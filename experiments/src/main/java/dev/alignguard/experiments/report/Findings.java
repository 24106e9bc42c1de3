package dev.alignguard.experiments.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.alignguard.experiments.method.AlignGuard;
import dev.alignguard.experiments.method.MethodCatalog;
import dev.alignguard.experiments.results.MatchedRow;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.NestedStats;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;

/**
 * What a study's numbers say, computed from its summary (no prose here; {@link ReportWriter} words
 * it): at each matched-accuracy target, AlignGuard's drift reduction and whether it halves drift,
 * and against each other method whether AlignGuard keeps more refusal beyond seed noise (a paired
 * 95% interval over base seeds that excludes zero); and, from the training logs' last steps, the
 * norms of the alignment-critical and task parts of the update per AlignGuard strength, which say
 * why λA matters as much or as little as it does.
 *
 * @param reference the AlignGuard method the comparisons are paired against (null: none in the study)
 * @param targets   per matched target, in the spec's order
 * @param norms     per AlignGuard-kind method and strength: the final ||dW_A|| and ||dW_T|| over base seeds
 */
public record Findings(String reference, List<Target> targets, List<Norms> norms) {

    /** How AlignGuard compares with another method at one target. */
    public enum Verdict {
        BETTER, WORSE, NOT_DISTINGUISHABLE, NOT_COMPARABLE
    }

    /** AlignGuard against one other method at one target: the paired difference of drift reduction (AlignGuard minus it). */
    public record Comparison(String method, String kind, Stat difference, Verdict verdict, String reason) {
    }

    /**
     * One matched target: AlignGuard's row (null when it does not reach the target), whether its
     * drift reduction halves drift (mean, and the interval's lower end), and every comparison.
     */
    public record Target(double dropPoints, double targetAccuracy, MatchedRow alignGuard, boolean halvesOnMean,
                         boolean halvesWithConfidence, List<Comparison> comparisons) {
    }

    /** The update's parts at the end of training, for one AlignGuard-kind method at one strength. */
    public record Norms(String method, double strength, Stat normAlignment, Stat normTask) {
    }

    /** The paper's aim: half of standard LoRA's drift removed. */
    public static final double HALVING = 0.5;

    /** The findings of a summary with a matched comparison (empty targets when it has none). */
    public static Findings of(Summary s) {
        List<MatchedRow> matched = s.matched() == null ? List.of() : s.matched();
        String reference = matched.stream().filter(r -> MethodCatalog.isKind(r.kind(), AlignGuard.KIND))
            .map(MatchedRow::method).findFirst().orElse(null);
        Map<Double, List<MatchedRow>> byTarget = new LinkedHashMap<>();
        matched.forEach(r -> byTarget.computeIfAbsent(r.dropPoints(), d -> new ArrayList<>()).add(r));
        List<Target> targets = new ArrayList<>();
        for (var e : byTarget.entrySet()) {
            MatchedRow ag = e.getValue().stream().filter(r -> r.method().equals(reference) && r.reached()).findFirst()
                .orElse(null);
            Stat dr = ag == null ? null : ag.metrics().get(MetricNames.DRIFT_REDUCTION);
            boolean onMean = dr != null && dr.mean() >= HALVING;
            boolean confident = dr != null && Double.isFinite(dr.ci95()) && dr.mean() - dr.ci95() >= HALVING;
            List<Comparison> comparisons = new ArrayList<>();
            for (MatchedRow r : e.getValue()) {
                if (r.method().equals(reference)) {
                    continue;
                }
                comparisons.add(compare(ag, r));
            }
            targets.add(new Target(e.getKey(), e.getValue().getFirst().targetAccuracy(), ag, onMean, confident, comparisons));
        }
        return new Findings(reference, targets, norms(s));
    }

    private static Comparison compare(MatchedRow ag, MatchedRow other) {
        if (ag == null) {
            return new Comparison(other.method(), other.kind(), null, Verdict.NOT_COMPARABLE,
                "AlignGuard does not reach this target");
        }
        if (!other.reached()) {
            return new Comparison(other.method(), other.kind(), null, Verdict.NOT_COMPARABLE, other.reason());
        }
        Stat d = other.vsReference().get(MetricNames.DRIFT_REDUCTION);
        if (d == null || Double.isNaN(d.mean())) {
            return new Comparison(other.method(), other.kind(), null, Verdict.NOT_COMPARABLE,
                "no paired drift reduction (the reference did not drift, or no common base seeds)");
        }
        // vs_reference holds other - AlignGuard; the verdict is about AlignGuard
        Stat agMinusOther = new Stat(-d.mean(), d.ci95(), negate(d.values()));
        Verdict v = !Double.isFinite(d.ci95()) ? Verdict.NOT_DISTINGUISHABLE
            : agMinusOther.mean() - d.ci95() > 0 ? Verdict.BETTER
                : agMinusOther.mean() + d.ci95() < 0 ? Verdict.WORSE : Verdict.NOT_DISTINGUISHABLE;
        return new Comparison(other.method(), other.kind(), agMinusOther, v, null);
    }

    private static double[] negate(double[] v) {
        double[] out = new double[v == null ? 0 : v.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = -v[i];
        }
        return out;
    }

    /** Final ||dW_A|| and ||dW_T|| of every AlignGuard-kind method's trials, per strength, over base seeds. */
    private static List<Norms> norms(Summary s) {
        List<Norms> out = new ArrayList<>();
        if (s.trials() == null) {
            return out;
        }
        Map<String, Map<Double, List<TrialRecord>>> byMethod = new LinkedHashMap<>();
        for (TrialRecord t : s.trials()) {
            if (MethodCatalog.isKind(t.kind(), AlignGuard.KIND) && !t.failed() && t.lastStep() != null
                && t.lastStep().containsKey("norm_dw_a")) {
                byMethod.computeIfAbsent(t.method(), k -> new TreeMap<>()).computeIfAbsent(t.strength(), k -> new ArrayList<>())
                    .add(t);
            }
        }
        byMethod.forEach((method, byStrength) -> byStrength.forEach((strength, ts) -> out.add(new Norms(method, strength,
            NestedStats.over(NestedStats.perBase(ts, t -> t.lastStep().get("norm_dw_a"))),
            NestedStats.over(NestedStats.perBase(ts, t -> t.lastStep().get("norm_dw_t")))))));
        return out;
    }
}
