package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.experiments.method.AlignGuard;
import dev.alignguard.experiments.results.ContinualResult;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.NestedStats;
import dev.alignguard.experiments.results.StageMetrics;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.experiments.spec.SequenceSpec;

/**
 * The sequential study's own part of a study's summary (a spec with a {@code sequence} block runs
 * through {@link Study} like any other: the same bases, executors, resume by content and summary; its
 * trials are {@link SequentialTrialRunner}'s). Here: drift reduction at every stage against standard
 * LoRA on the same base and fine-tune seed run the same way (same sequence settings; else any
 * standard LoRA on that seed), and per method, strength and stage every tracked metric with its
 * nested interval over base seeds ({@link ContinualResult}).
 */
public final class ContinualStudy {

    private ContinualStudy() {
    }

    /** Adds {@code stage_s/drift_reduction} (s >= 1) to every finished sequential trial, in place. */
    static void addStageDriftReduction(List<Trial> trials, List<TrialRecord> records, int tasks) {
        for (int i = 0; i < trials.size(); i++) {
            TrialRecord r = records.get(i);
            if (r.failed()) {
                continue;
            }
            TrialRecord ref = reference(trials, records, i);
            if (ref == null) {
                continue;
            }
            Map<String, Double> m = new LinkedHashMap<>(r.metrics());
            for (int s = 1; s <= tasks; s++) {
                double own = r.metrics().getOrDefault(StageMetrics.at(s, MetricNames.DRIFT), Double.NaN);
                double lora = ref.metrics().getOrDefault(StageMetrics.at(s, MetricNames.DRIFT), Double.NaN);
                m.put(StageMetrics.at(s, MetricNames.DRIFT_REDUCTION), lora == 0 ? Double.NaN : 1 - own / lora);
            }
            records.set(i, r.withMetrics(m, r.notes()));
        }
    }

    /** Standard LoRA on trial i's base and fine-tune seed, run with the same spec when there is one; null if none finished. */
    private static TrialRecord reference(List<Trial> trials, List<TrialRecord> records, int i) {
        Trial t = trials.get(i);
        TrialRecord any = null;
        for (int j = 0; j < trials.size(); j++) {
            Trial c = trials.get(j);
            if (!c.method().method().driftReference() || c.seed() != t.seed() || c.baseSeed() != t.baseSeed()
                || records.get(j).failed()) {
                continue;
            }
            if (c.spec().equals(t.spec())) {
                return records.get(j);
            }
            any = any == null ? records.get(j) : any;
        }
        return any;
    }

    /** Per method and strength (in spec order), per stage, every tracked metric's nested statistic. */
    static ContinualResult result(ExperimentSpec spec, List<Trial> trials, List<TrialRecord> records) {
        int tasks = spec.sequence().tasks();
        String pairedWith = spec.methods().stream().filter(m -> m.kind().equals(AlignGuard.KIND)).map(MethodSpec::name)
            .findFirst().orElse(null);
        List<ContinualResult.Method> methods = new ArrayList<>();
        for (MethodSpec m : spec.methods()) {
            SequenceSpec seq = spec.withOverrides(m.overrides()).sequence();
            List<Double> strengths = new ArrayList<>();
            for (int i = 0; i < trials.size(); i++) {
                double s = trials.get(i).strength();
                if (trials.get(i).method().name().equals(m.name()) && strengths.stream().noneMatch(x -> Double.compare(x, s) == 0)) {
                    strengths.add(s);
                }
            }
            for (double s : strengths) {
                List<TrialRecord> point = new ArrayList<>();
                for (int i = 0; i < trials.size(); i++) {
                    if (trials.get(i).method().name().equals(m.name()) && Double.compare(trials.get(i).strength(), s) == 0) {
                        point.add(records.get(i));
                    }
                }
                List<Map<String, Stat>> stages = new ArrayList<>();
                for (int stage = 0; stage <= tasks; stage++) {
                    Map<String, Stat> stats = new LinkedHashMap<>();
                    for (String name : StageMetrics.TRACKED) {
                        stats.put(name, NestedStats.of(point, StageMetrics.at(stage, name)));
                    }
                    for (int k = 1; k <= tasks; k++) {
                        stats.put(StageMetrics.taskAccuracy(k),
                            NestedStats.of(point, StageMetrics.at(stage, StageMetrics.taskAccuracy(k))));
                    }
                    if (pairedWith != null && stage > 0) {
                        stats.put(ContinualResult.PAIRED_DRIFT, pairedDrift(point, pairedWith, trials, records, stage));
                    }
                    stages.add(stats);
                }
                String label = m.name() + (Double.isNaN(s) ? "" : " (" + m.method().strength().label() + "=" + s + ")");
                methods.add(new ContinualResult.Method(m.name(), m.kind(), s, label, seq.adapter().id(), seq.fisher().id(),
                    stages));
            }
        }
        return new ContinualResult(tasks, NestedStats.MODEL, pairedWith, methods);
    }

    /**
     * The paired difference of cumulative drift at {@code stage}, this method's trial minus the
     * reference method's (its first strength) on the same base and fine-tune seed: per-base means,
     * then a t interval over bases, as every other statistic.
     */
    private static Stat pairedDrift(List<TrialRecord> point, String reference, List<Trial> trials, List<TrialRecord> records,
                                    int stage) {
        String key = StageMetrics.at(stage, MetricNames.DRIFT);
        Double referenceStrength = null;
        for (Trial t : trials) {
            if (t.method().name().equals(reference)) {
                referenceStrength = t.strength();
                break;
            }
        }
        List<TrialRecord> differences = new ArrayList<>();
        for (TrialRecord r : point) {
            for (int j = 0; j < trials.size(); j++) {
                Trial t = trials.get(j);
                TrialRecord ref = records.get(j);
                if (t.method().name().equals(reference) && Double.compare(t.strength(), referenceStrength) == 0
                    && t.baseSeed() == r.baseSeed() && t.seed() == r.seed() && !ref.failed() && !r.failed()) {
                    double d = r.metrics().getOrDefault(key, Double.NaN) - ref.metrics().getOrDefault(key, Double.NaN);
                    differences.add(r.withMetrics(Map.of(key, d)));
                }
            }
        }
        return NestedStats.of(differences, key);
    }
}
