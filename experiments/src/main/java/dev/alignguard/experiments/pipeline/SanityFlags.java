package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.alignguard.experiments.results.MatchedRow;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;

/**
 * Warnings a reader must see before trusting a study's numbers, computed from them: standard LoRA
 * did not learn the task (drift is then meaningless), its drift interval includes zero (drift
 * reductions are then fragile), a method's sweep does not bracket a matched-accuracy target.
 */
final class SanityFlags {

    private SanityFlags() {
    }

    static List<String> of(ExperimentSpec spec, List<MethodSummary> methods, List<MatchedRow> matched) {
        List<String> flags = new ArrayList<>();
        MethodSpec reference = spec.methods().stream().filter(m -> m.method().driftReference()).findFirst().orElse(null);
        if (reference == null) {
            flags.add("no standard LoRA method in the study: drift reduction and the matched targets are undefined");
        } else {
            MethodSummary lora = methods.stream().filter(m -> m.method().equals(reference.name())).findFirst().orElse(null);
            Stat task = lora == null ? null : lora.metrics().get(MetricNames.TASK_ACCURACY);
            Stat drift = lora == null ? null : lora.metrics().get(MetricNames.DRIFT);
            if (task == null || !(task.mean() >= Study.LEARNED_TASK)) {
                flags.add(String.format(Locale.ROOT, "standard LoRA reached %s task accuracy (below %.0f%%): the"
                    + " fine-tuning did not learn the task, so drift numbers are meaningless",
                    task == null ? "no" : String.format(Locale.ROOT, "only %.1f%%", 100 * task.mean()), 100 * Study.LEARNED_TASK));
            }
            if (drift != null && Double.isFinite(drift.ci95()) && drift.mean() - drift.ci95() <= 0) {
                flags.add(String.format(Locale.ROOT, "standard LoRA's drift (%.1f ± %.1f points) has an interval that"
                    + " includes zero: drift reductions measured against it are fragile", 100 * drift.mean(),
                    100 * drift.ci95()));
            }
        }
        for (MatchedRow r : matched) {
            MethodSpec m = spec.methods().stream().filter(x -> x.name().equals(r.method())).findFirst().orElse(null);
            if (!r.reached() && m != null && m.method().strength().swept()) {
                flags.add(String.format(Locale.ROOT, "%s does not reach the %.0f-point target: %s", r.method(),
                    r.dropPoints(), r.reason()));
            }
        }
        return flags;
    }
}
