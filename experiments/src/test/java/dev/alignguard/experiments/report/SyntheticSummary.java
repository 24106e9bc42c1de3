package dev.alignguard.experiments.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.results.CurvePoint;
import dev.alignguard.experiments.results.LayerSpectrum;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;

/**
 * A hand-made study: 3 seeds; standard LoRA, AlignGuard at two strengths, L2, EWC and the
 * random-subspace control; curves, a two-layer spectrum, analyses and one failure. Every per-seed
 * number is chosen here, and every aggregate is derived from them the way the pipeline does
 * (Stat.of over seeds; drift and drift reduction per seed against the aligned model and LoRA).
 */
final class SyntheticSummary {

    static final long[] SEEDS = {11, 22, 33};
    static final double[] ALIGNED_REFUSAL = {0.94, 0.96, 0.95};
    static final double[] LORA_REFUSAL = {0.55, 0.60, 0.65};
    static final double[] LORA_TASK = {0.80, 0.82, 0.81};

    /** AlignGuard at lambda=0.1 keeps most refusals at LoRA's task accuracy: drift reduction about 64%. */
    static final double[] AG_GOOD_REFUSAL = {0.82, 0.84, 0.83};
    static final double[] AG_GOOD_TASK = {0.80, 0.81, 0.80};
    /** The same point, flipped: it keeps little (drift reduction about 20%). */
    static final double[] AG_BAD_REFUSAL = {0.62, 0.67, 0.72};
    /** The same point, too inaccurate for the fair rule (more than 2 points below LoRA's 81%). */
    static final double[] AG_INACCURATE_TASK = {0.74, 0.75, 0.76};

    private SyntheticSummary() {
    }

    static Summary good() {
        return build(AG_GOOD_REFUSAL, AG_GOOD_TASK);
    }

    /** The study with AlignGuard at lambda=0.1 given these per-seed refusal and task numbers. */
    static Summary build(double[] agRefusal, double[] agTask) {
        List<MethodSummary> methods = new ArrayList<>();
        List<TrialRecord> trials = new ArrayList<>();
        double[] loraDrift = minus(ALIGNED_REFUSAL, LORA_REFUSAL);
        add(methods, trials, "lora", "lora", Double.NaN, "lora", LORA_REFUSAL, LORA_TASK, loraDrift);
        add(methods, trials, "alignguard", "alignguard", 0.1, "alignguard [λ=0.1]", agRefusal, agTask, loraDrift);
        add(methods, trials, "alignguard", "alignguard", 1.0, "alignguard [λ=1]",
            new double[] {0.92, 0.93, 0.94}, new double[] {0.70, 0.71, 0.69}, loraDrift);
        add(methods, trials, "l2", "l2", 0.1, "l2 [λ=0.1]",
            new double[] {0.65, 0.66, 0.70}, new double[] {0.81, 0.80, 0.80}, loraDrift);
        add(methods, trials, "ewc", "ewc", 10, "ewc [λ=10]",
            new double[] {0.70, 0.68, 0.72}, new double[] {0.79, 0.80, 0.81}, loraDrift);
        add(methods, trials, "random_subspace", "random_subspace", 0.1, "random subspace [λ=0.1]",
            new double[] {0.62, 0.63, 0.64}, new double[] {0.81, 0.81, 0.82}, loraDrift);

        Map<String, Stat> aligned = new LinkedHashMap<>();
        aligned.put("refusal_unsafe", Stat.of(ALIGNED_REFUSAL));
        aligned.put("over_refusal_safe", Stat.of(new double[] {0.04, 0.05, 0.06}));
        aligned.put("task_accuracy", Stat.of(new double[] {0.20, 0.22, 0.21}));
        aligned.put("alignment_nll", Stat.of(new double[] {0.30, 0.32, 0.31}));
        aligned.put("refusal_unsafe_held_out_objects", Stat.of(new double[] {0.90, 0.91, 0.92}));
        aligned.put("refusal_unsafe_held_out_verbs", Stat.of(new double[] {0.85, 0.86, 0.87}));
        Map<String, Stat> unaligned = new LinkedHashMap<>();
        unaligned.put("refusal_unsafe", Stat.of(new double[] {0.02, 0.03, 0.01}));
        unaligned.put("task_accuracy", Stat.of(new double[] {0.18, 0.19, 0.20}));

        List<TrialRecord> failures = List.of(new TrialRecord("ewc", "ewc", 100, 33, Map.of(), List.of(), 1.5,
            "logs/ewc-100-33.jsonl", "loss became NaN at step 12 | gradient overflow"));

        List<LayerSpectrum> spectrum = List.of(
            new LayerSpectrum("layers.0.self_attn.q_proj", new double[] {5.0, 2.0, 0.5, 0.1},
                new double[] {0.6, 0.84, 0.9, 0.92}, 5.0),
            new LayerSpectrum("layers.1.self_attn.v_proj", new double[] {40.0, 4.0, 0.4, 0.004},
                new double[] {0.85, 0.94, 0.95, 0.95}, 40.0));

        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> analyses = new LinkedHashMap<>();
        ObjectNode power = f.objectNode();
        power.put("exponent", -0.52);
        power.put("r2", 0.97);
        power.set("ranks", f.arrayNode().add(4).add(8).add(16));
        ObjectNode nested = power.putObject("fit");
        nested.put("method", "least squares");
        nested.put("points", 3);
        analyses.put("power_law", power);
        ArrayNode perCategory = f.arrayNode();
        perCategory.addObject().put("category", "weapons").put("refusal", 0.9);
        perCategory.addObject().put("category", "drugs").put("refusal", 0.8);
        analyses.put("per_category", perCategory);

        ObjectNode spec = f.objectNode();
        spec.put("name", "synthetic-main");
        spec.put("steps", 100);
        spec.set("methods", f.arrayNode().add("lora").add("alignguard"));

        return new Summary("synthetic-main", "A hand-made study for the report tests.", "0.1.0-test", "abc1234",
            SEEDS.clone(), spec, aligned, unaligned, methods, trials, failures, spectrum, analyses, 3723.4);
    }

    private static void add(List<MethodSummary> methods, List<TrialRecord> trials, String method, String kind,
                            double strength, String label, double[] refusal, double[] task, double[] loraDrift) {
        double[] drift = minus(ALIGNED_REFUSAL, refusal);
        double[] reduction = new double[drift.length];
        for (int i = 0; i < drift.length; i++) {
            reduction[i] = 1 - drift[i] / loraDrift[i];
        }
        double[] over = {0.05 + 0.01 * methods.size(), 0.06 + 0.01 * methods.size(), 0.07 + 0.01 * methods.size()};
        double[] nll = {0.5 + 0.1 * methods.size(), 0.6 + 0.1 * methods.size(), 0.7 + 0.1 * methods.size()};
        double[] objects = {refusal[0] - 0.05, refusal[1] - 0.05, refusal[2] - 0.05};
        double[] verbs = {refusal[0] - 0.10, refusal[1] - 0.10, refusal[2] - 0.10};
        Map<String, Stat> m = new LinkedHashMap<>();
        m.put("refusal_unsafe", Stat.of(refusal));
        m.put("over_refusal_safe", Stat.of(over));
        m.put("task_accuracy", Stat.of(task));
        m.put("alignment_nll", Stat.of(nll));
        m.put("drift", Stat.of(drift));
        m.put("drift_reduction", Stat.of(reduction));
        m.put("refusal_unsafe_held_out_objects", Stat.of(objects));
        m.put("refusal_unsafe_held_out_verbs", Stat.of(verbs));
        methods.add(new MethodSummary(method, kind, strength, label, m));
        for (int i = 0; i < SEEDS.length; i++) {
            Map<String, Double> tm = new LinkedHashMap<>();
            tm.put("refusal_unsafe", refusal[i]);
            tm.put("task_accuracy", task[i]);
            tm.put("drift", drift[i]);
            List<CurvePoint> curve = new ArrayList<>();
            for (int step = 0; step <= 100; step += 50) {
                double frac = step / 100.0;
                curve.add(new CurvePoint(step, ALIGNED_REFUSAL[i] + frac * (refusal[i] - ALIGNED_REFUSAL[i]),
                    0.21 + frac * (task[i] - 0.21), 0.3 + frac, 2.0 - frac));
            }
            trials.add(new TrialRecord(method, kind, strength, SEEDS[i], tm, curve, 12.5 + i,
                "logs/" + method + "-" + strength + "-" + SEEDS[i] + ".jsonl", null));
        }
    }

    static double[] minus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }
}
