package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.alignguard.experiments.method.AlignGuard;
import dev.alignguard.experiments.results.FrontierArea;
import dev.alignguard.experiments.results.MatchedRow;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.NestedStats;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.MatchedSpec;
import dev.alignguard.experiments.spec.MethodSpec;

/**
 * The comparison a reviewer asks for: every method at the same task accuracy. For each target
 * (standard LoRA's validation task accuracy minus each drop) and method, the strength where the
 * method's validation task accuracy crosses the target ({@link MatchedSearch.Bracket}), and its test
 * metrics there, interpolated linearly in validation accuracy between the two bracketing strengths
 * base seed by base seed, so intervals and paired differences stay per base. Selection reads
 * validation numbers only; every reported number is a test number.
 */
final class MatchedComparison {

    /** The metrics a matched row reports. */
    static final List<String> METRICS = List.of(MetricNames.REFUSAL_UNSAFE, MetricNames.OVER_REFUSAL_SAFE,
        MetricNames.TASK_ACCURACY, MetricNames.ALIGNMENT_NLL, MetricNames.DRIFT, MetricNames.DRIFT_REDUCTION,
        MetricNames.HARMFUL_COMPLIANCE);

    /** The differences a row reports against the reference AlignGuard method. */
    static final List<String> PAIRED = List.of(MetricNames.REFUSAL_UNSAFE, MetricNames.DRIFT_REDUCTION,
        MetricNames.TASK_ACCURACY, MetricNames.OVER_REFUSAL_SAFE);

    private MatchedComparison() {
    }

    /** Standard LoRA's validation task accuracy (the first drift-reference method's trials). */
    static double referenceAccuracy(List<MethodSpec> methods, List<TrialRecord> records) {
        for (MethodSpec m : methods) {
            if (m.method().driftReference()) {
                return MatchedSearch.validationAccuracy(records.stream().filter(r -> r.method().equals(m.name())).toList());
            }
        }
        return Double.NaN;
    }

    /** Every method at every target, the methods in spec order within each target. */
    static List<MatchedRow> rows(List<MethodSpec> methods, List<TrialRecord> records, MatchedSpec settings) {
        double reference = referenceAccuracy(methods, records);
        MethodSpec agRef = methods.stream().filter(m -> m.method() instanceof AlignGuard).findFirst().orElse(null);
        List<MatchedRow> out = new ArrayList<>();
        if (Double.isNaN(reference)) {
            return out;
        }
        for (double drop : settings.drops()) {
            double target = reference - drop / 100;
            Map<String, Map<Long, Double>> agPerBase = agRef == null ? Map.of() : perBaseAt(agRef, records, target).values;
            for (MethodSpec m : methods) {
                Matched at = perBaseAt(m, records, target);
                Map<String, Stat> metrics = new LinkedHashMap<>();
                at.values.forEach((k, v) -> metrics.put(k, NestedStats.over(v)));
                Map<String, Stat> vs = new LinkedHashMap<>();
                if (agRef != null && m != agRef && at.reached && !agPerBase.isEmpty()) {
                    for (String k : PAIRED) {
                        vs.put(k, paired(at.values.get(k), agPerBase.get(k)));
                    }
                }
                out.add(new MatchedRow(m.name(), m.kind(), drop, target, at.reached, at.reason, at.strength, at.bracket,
                    at.weight, "validation", metrics, vs));
            }
        }
        return out;
    }

    /** A method at a target: per metric, per base seed, the interpolated test value. */
    private record Matched(boolean reached, String reason, double strength, List<Double> bracket, double weight,
                           Map<String, Map<Long, Double>> values) {
    }

    private static Matched perBaseAt(MethodSpec m, List<TrialRecord> records, double target) {
        List<TrialRecord> mine = records.stream().filter(r -> r.method().equals(m.name()) && !r.failed()).toList();
        if (mine.isEmpty()) {
            return new Matched(false, "no finished trial", Double.NaN, List.of(), 0, Map.of());
        }
        if (!m.method().strength().swept()) {
            double acc = MatchedSearch.validationAccuracy(mine);
            boolean on = Math.abs(acc - target) <= MatchedSearch.ON_TARGET;
            Map<String, Map<Long, Double>> values = new LinkedHashMap<>();
            for (String k : METRICS) {
                values.put(k, NestedStats.perBase(mine, t -> t.metrics().getOrDefault(k, Double.NaN)));
            }
            return new Matched(on, on ? null : String.format(Locale.ROOT,
                "no strength to tune: its validation task accuracy is %.1f%% against the target %.1f%%", 100 * acc,
                100 * target), Double.NaN, List.of(), 0, values);
        }
        TreeMap<Double, Double> curve = MatchedSearch.curve(records, m.name());
        MatchedSearch.Bracket b = MatchedSearch.Bracket.find(curve, target);
        if (b == null) {
            boolean above = curve.values().stream().allMatch(a -> a > target);
            String why = String.format(Locale.ROOT,
                "its validation task accuracy stays %s the target (%.1f%%) over %s = %s to %s (%.1f%% to %.1f%%)",
                above ? "above" : "below", 100 * target, m.method().strength().label(), curve.firstKey(), curve.lastKey(),
                100 * curve.firstEntry().getValue(), 100 * curve.lastEntry().getValue());
            if (!above) {
                return new Matched(false, why, Double.NaN, List.of(), 0, Map.of());
            }
            // never this costly in accuracy: show its strongest point, which is more accurate than the target
            double strongest = curve.lastKey();
            List<TrialRecord> at = mine.stream().filter(r -> r.strength() == strongest).toList();
            Map<String, Map<Long, Double>> values = new LinkedHashMap<>();
            for (String k : METRICS) {
                values.put(k, NestedStats.perBase(at, t -> t.metrics().getOrDefault(k, Double.NaN)));
            }
            return new Matched(false, why + "; shown at its strongest " + m.method().strength().label(), strongest,
                List.of(strongest, strongest), 0, values);
        }
        double w = b.weight(target);
        List<TrialRecord> low = mine.stream().filter(r -> r.strength() == b.low()).toList();
        List<TrialRecord> high = mine.stream().filter(r -> r.strength() == b.high()).toList();
        Map<String, Map<Long, Double>> values = new LinkedHashMap<>();
        for (String k : METRICS) {
            TreeMap<Long, Double> lo = NestedStats.perBase(low, t -> t.metrics().getOrDefault(k, Double.NaN));
            TreeMap<Long, Double> hi = NestedStats.perBase(high, t -> t.metrics().getOrDefault(k, Double.NaN));
            TreeMap<Long, Double> v = new TreeMap<>();
            lo.forEach((base, x) -> {
                Double y = hi.get(base);
                if (y != null) {
                    v.put(base, (1 - w) * x + w * y);
                }
            });
            values.put(k, v);
        }
        double strength = MatchedSearch.round(Math.exp((1 - w) * Math.log(b.low()) + w * Math.log(b.high())));
        return new Matched(true, null, strength, List.of(b.low(), b.high()), w, values);
    }

    /** {@code a - b} base seed by base seed, over the bases both have. */
    static Stat paired(Map<Long, Double> a, Map<Long, Double> b) {
        TreeMap<Long, Double> d = new TreeMap<>();
        if (a != null && b != null) {
            a.forEach((base, x) -> {
                Double y = b.get(base);
                if (y != null && !Double.isNaN(x) && !Double.isNaN(y)) {
                    d.put(base, x - y);
                }
            });
        }
        return NestedStats.over(d);
    }

    /**
     * The normalised area under each swept method's frontier of (test task accuracy, refusal kept)
     * over the accuracy range every such method covers (see {@link FrontierArea}).
     *
     * @param alignedRefusal the aligned models' mean refusal on unsafe test prompts
     */
    static List<FrontierArea> areas(List<MethodSpec> methods, List<TrialRecord> records, double alignedRefusal) {
        Map<String, double[][]> points = new LinkedHashMap<>();   // method -> {acc[], kept[]}
        for (MethodSpec m : methods) {
            if (!m.method().strength().swept()) {
                continue;
            }
            Map<Double, List<TrialRecord>> byStrength = new TreeMap<>();
            records.stream().filter(r -> r.method().equals(m.name()) && !r.failed())
                .forEach(r -> byStrength.computeIfAbsent(r.strength(), s -> new ArrayList<>()).add(r));
            double[] acc = new double[byStrength.size()], kept = new double[byStrength.size()];
            int i = 0;
            for (List<TrialRecord> rs : byStrength.values()) {
                acc[i] = NestedStats.of(rs, MetricNames.TASK_ACCURACY).mean();
                kept[i] = NestedStats.of(rs, MetricNames.REFUSAL_UNSAFE).mean() / alignedRefusal;
                i++;
            }
            points.put(m.name(), new double[][] {acc, kept});
        }
        double lo = Double.NEGATIVE_INFINITY, hi = Double.POSITIVE_INFINITY;
        for (double[][] p : points.values()) {
            if (p[0].length < 2) {
                continue;
            }
            lo = Math.max(lo, min(p[0]));
            hi = Math.min(hi, max(p[0]));
        }
        List<FrontierArea> out = new ArrayList<>();
        for (var e : points.entrySet()) {
            double[][] p = e.getValue();
            if (p[0].length < 2) {
                out.add(new FrontierArea(e.getKey(), Double.NaN, lo, hi, "fewer than two strengths finished"));
            } else if (!(alignedRefusal > 0)) {
                out.add(new FrontierArea(e.getKey(), Double.NaN, lo, hi, "the aligned models never refuse"));
            } else if (!(hi > lo)) {
                out.add(new FrontierArea(e.getKey(), Double.NaN, lo, hi,
                    "the methods' task-accuracy ranges do not overlap"));
            } else {
                out.add(new FrontierArea(e.getKey(), staircaseMean(p[0], p[1], lo, hi), lo, hi, null));
            }
        }
        return out;
    }

    /** The mean over a in [lo, hi] of max{kept_i : acc_i >= a}, integrated exactly (piecewise constant). */
    static double staircaseMean(double[] acc, double[] kept, double lo, double hi) {
        List<Double> cuts = new ArrayList<>(List.of(lo, hi));
        for (double a : acc) {
            if (a > lo && a < hi) {
                cuts.add(a);
            }
        }
        cuts.sort(Double::compare);
        double area = 0;
        for (int i = 0; i + 1 < cuts.size(); i++) {
            double a = cuts.get(i), b = cuts.get(i + 1);
            if (b <= a) {
                continue;
            }
            double mid = (a + b) / 2, best = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < acc.length; k++) {
                if (acc[k] >= mid) {
                    best = Math.max(best, kept[k]);
                }
            }
            area += (b - a) * (best == Double.NEGATIVE_INFINITY ? 0 : best);
        }
        return area / (hi - lo);
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
