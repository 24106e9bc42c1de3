package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.alignguard.experiments.results.NestedStats;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.MatchedSpec;
import dev.alignguard.experiments.spec.MethodSpec;

/**
 * The search for each method's matched strengths, round by round (see {@link MatchedSpec}): given
 * the trials finished so far, which strengths to run next so that every target is bracketed by two
 * neighbouring strengths no more than {@code bisect_ratio} apart. Every decision reads validation
 * task accuracy only. Stateful across rounds (it counts the widenings per method and side).
 */
final class MatchedSearch {

    /** A target within this distance (a fraction) of a point counts as hit by that point. */
    static final double ON_TARGET = 0.005;

    private final MatchedSpec settings;
    private final Map<String, int[]> widenings = new HashMap<>();   // method -> {down, up}

    MatchedSearch(MatchedSpec settings) {
        this.settings = settings;
    }

    /** A method's evaluated strengths and their validation task accuracy (mean of per-base means), ascending. */
    static TreeMap<Double, Double> curve(List<TrialRecord> records, String method) {
        Map<Double, List<TrialRecord>> byStrength = new TreeMap<>();
        for (TrialRecord r : records) {
            if (r.method().equals(method) && !r.failed() && !Double.isNaN(r.strength())) {
                byStrength.computeIfAbsent(r.strength(), s -> new ArrayList<>()).add(r);
            }
        }
        TreeMap<Double, Double> out = new TreeMap<>();
        byStrength.forEach((s, rs) -> out.put(s, validationAccuracy(rs)));
        return out;
    }

    /** Validation task accuracy of some trials: the mean of their per-base means. */
    static double validationAccuracy(List<TrialRecord> trials) {
        return NestedStats.over(NestedStats.perBase(trials, t -> t.validation().getOrDefault("task_accuracy", Double.NaN)))
            .mean();
    }

    /** The target accuracies: the reference's validation task accuracy minus each drop. */
    static List<Double> targets(double referenceAccuracy, MatchedSpec settings) {
        List<Double> out = new ArrayList<>();
        for (double d : settings.drops()) {
            out.add(referenceAccuracy - d / 100);
        }
        return out;
    }

    /**
     * The strengths to run next, per method (none: the search is done).
     *
     * @param methods           the study's methods
     * @param records           every finished trial so far
     * @param referenceAccuracy standard LoRA's validation task accuracy
     */
    Map<MethodSpec, List<Double>> propose(List<MethodSpec> methods, List<TrialRecord> records, double referenceAccuracy) {
        Map<MethodSpec, List<Double>> out = new LinkedHashMap<>();
        if (Double.isNaN(referenceAccuracy)) {
            return out;
        }
        for (MethodSpec m : methods) {
            if (!m.method().strength().swept() || m.method().driftReference()) {
                continue;
            }
            TreeMap<Double, Double> curve = curve(records, m.name());
            if (curve.isEmpty()) {
                continue;
            }
            List<Double> next = new ArrayList<>();
            int[] widened = widenings.computeIfAbsent(m.name(), k -> new int[2]);
            boolean wantUp = false, wantDown = false;
            for (double target : targets(referenceAccuracy, settings)) {
                Bracket b = Bracket.find(curve, target);
                if (b != null) {
                    if (!b.onPoint() && b.high() / b.low() > settings.bisectRatio()) {
                        add(next, round(Math.sqrt(b.low() * b.high())), curve);
                    }
                } else if (curve.values().stream().allMatch(a -> a > target)) {
                    wantUp = true;      // the method never costs this much accuracy: try stronger
                } else {
                    wantDown = true;    // always below: try weaker
                }
            }
            if (wantUp && widened[1] < settings.widenings()) {
                widened[1]++;
                add(next, round(curve.lastKey() * settings.widenFactor()), curve);
            }
            if (wantDown && widened[0] < settings.widenings()) {
                widened[0]++;
                add(next, round(curve.firstKey() / settings.widenFactor()), curve);
            }
            if (!next.isEmpty()) {
                out.put(m, next);
            }
        }
        return out;
    }

    private static void add(List<Double> next, double s, TreeMap<Double, Double> evaluated) {
        if (!evaluated.containsKey(s) && !next.contains(s) && s > 0 && Double.isFinite(s)) {
            next.add(s);
        }
    }

    /** Four significant digits, so a proposed strength reads well in tables and file names. */
    static double round(double s) {
        return Double.parseDouble(String.format(java.util.Locale.ROOT, "%.4g", s));
    }

    /**
     * Two neighbouring strengths whose validation accuracies lie on either side of a target (the
     * first such pair from the weakest), or one strength on the target.
     */
    record Bracket(double low, double high, double accLow, double accHigh) {

        boolean onPoint() {
            return low == high;
        }

        /** The stronger point's weight when interpolating linearly in accuracy. */
        double weight(double target) {
            return onPoint() || accLow == accHigh ? 0 : (accLow - target) / (accLow - accHigh);
        }

        static Bracket find(TreeMap<Double, Double> curve, double target) {
            Map.Entry<Double, Double> prev = null;
            for (Map.Entry<Double, Double> e : curve.entrySet()) {
                if (Math.abs(e.getValue() - target) <= ON_TARGET) {
                    return new Bracket(e.getKey(), e.getKey(), e.getValue(), e.getValue());
                }
                if (prev != null && (prev.getValue() - target) * (e.getValue() - target) < 0) {
                    return new Bracket(prev.getKey(), e.getKey(), prev.getValue(), e.getValue());
                }
                prev = e;
            }
            return null;
        }
    }
}
