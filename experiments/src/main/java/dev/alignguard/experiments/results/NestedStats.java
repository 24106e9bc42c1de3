package dev.alignguard.experiments.results;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Intervals that respect how a study is nested: fine-tune seeds within base seeds. A metric is
 * first averaged over the fine-tune seeds of each base seed, then a Student-t 95% interval is taken
 * over those per-base means (in base-seed order), so the interval covers the variance of the base
 * models (world, pretraining, alignment) as well as of the fine-tuning.
 */
public final class NestedStats {

    /** The description summary.json and the report carry. */
    public static final String MODEL = "per-base-seed means over fine-tune seeds, then a Student-t 95% interval over base seeds";

    private NestedStats() {
    }

    /** The per-base means of a metric over finished trials (NaN values skipped), keyed and ordered by base seed. */
    public static TreeMap<Long, Double> perBase(List<TrialRecord> trials, ToDoubleFunction<TrialRecord> metric) {
        Map<Long, double[]> sums = new TreeMap<>();
        for (TrialRecord t : trials) {
            if (t.failed()) {
                continue;
            }
            double v = metric.applyAsDouble(t);
            if (Double.isNaN(v)) {
                continue;
            }
            double[] s = sums.computeIfAbsent(t.baseSeed(), b -> new double[2]);
            s[0] += v;
            s[1]++;
        }
        TreeMap<Long, Double> out = new TreeMap<>();
        sums.forEach((b, s) -> out.put(b, s[0] / s[1]));
        return out;
    }

    /** The nested statistic of a metric of the test metrics. */
    public static Stat of(List<TrialRecord> trials, String metric) {
        return over(perBase(trials, t -> t.metrics().getOrDefault(metric, Double.NaN)));
    }

    /** A t interval over per-base values. */
    public static Stat over(Map<Long, Double> perBase) {
        List<Double> values = new ArrayList<>(perBase.values());
        return Stat.of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
