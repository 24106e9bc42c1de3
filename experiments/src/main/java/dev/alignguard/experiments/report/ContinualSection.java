package dev.alignguard.experiments.report;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.alignguard.experiments.results.ContinualResult;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.StageMetrics;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;

/**
 * The report's section on a sequential study ({@code analyses.continual}): per metric a table of
 * methods by stage (refusal, cumulative drift, drift reduction, the mean accuracy of the tasks
 * trained so far and of the earlier ones), then each task's accuracy right after it was trained
 * and at the end (what was forgotten). Every cell is a mean ± 95% interval over base seeds.
 */
final class ContinualSection {

    private ContinualSection() {
    }

    /** The sequential result of a summary, if it has one. */
    static Optional<ContinualResult> result(Summary summary) {
        JsonNode node = summary.analyses() == null ? null : summary.analyses().get(ContinualResult.KEY);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(SummaryFiles.mapper().treeToValue(node, ContinualResult.class));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Appends the section; nothing when the summary is not of a sequential study. */
    static void write(StringBuilder sb, Summary summary) {
        Optional<ContinualResult> found = result(summary);
        if (found.isEmpty()) {
            return;
        }
        ContinualResult r = found.get();
        sb.append("## Sequential fine-tuning\n\n");
        sb.append(r.tasks()).append(" tasks fine-tuned one after another from the aligned model (the world's task verbs")
            .append(" split in order, one group per task). Stage 0 is the aligned model, stage k the model after task k.")
            .append(" `merge`: the adapter is merged after each task and a fresh one trained on the next; `continue`: one")
            .append(" adapter through every task. `fixed`: the Fisher (subspace, EWC diagonal) estimated at the aligned")
            .append(" model; `reestimate`: before each task, at the model the earlier tasks left. Test prompts; ")
            .append(r.intervalModel()).append(".\n\n");
        table(sb, r, MetricNames.REFUSAL_UNSAFE, "Refusal on unsafe prompts (%)", 0);
        table(sb, r, MetricNames.DRIFT, "Cumulative drift: aligned refusal minus refusal now (points)", 1);
        table(sb, r, MetricNames.DRIFT_REDUCTION, "Drift reduction against standard LoRA run the same way (%)", 1);
        if (r.pairedWith() != null) {
            table(sb, r, ContinualResult.PAIRED_DRIFT, "Cumulative drift minus " + r.pairedWith() + "'s on the same base and"
                + " fine-tune seed (points, paired; positive: drifts more than " + r.pairedWith() + ")", 1);
        }
        table(sb, r, "mean_task_accuracy", "Mean test accuracy of the tasks trained so far (%)", 1);
        table(sb, r, "mean_earlier_task_accuracy", "Mean test accuracy of the earlier tasks (%): what is kept of them", 2);
        sb.append("### Each task's accuracy just after it was trained, and at the end (%)\n\n| method |");
        for (int k = 1; k <= r.tasks(); k++) {
            sb.append(" task ").append(k).append(": after it | task ").append(k).append(": at the end |");
        }
        sb.append("\n|---|").append("---:|".repeat(2 * r.tasks())).append('\n');
        for (ContinualResult.Method m : r.methods()) {
            sb.append("| ").append(name(m)).append(" |");
            for (int k = 1; k <= r.tasks(); k++) {
                sb.append(' ').append(ReportFormat.pct(m.at(k, StageMetrics.taskAccuracy(k)))).append(" | ")
                    .append(ReportFormat.pct(m.at(r.tasks(), StageMetrics.taskAccuracy(k)))).append(" |");
            }
            sb.append('\n');
        }
        sb.append("\nThe sections below describe each method's final state, after task ").append(r.tasks())
            .append(", as a single-task study's report would; their task accuracy is that of task ").append(r.tasks())
            .append(", the one just trained.\n\n");
    }

    /** One metric: methods by stage, from stage {@code from}. */
    private static void table(StringBuilder sb, ContinualResult r, String metric, String title, int from) {
        sb.append("### ").append(title).append("\n\n| method |");
        for (int s = from; s <= r.tasks(); s++) {
            sb.append(s == 0 ? " aligned |" : " after task " + s + " |");
        }
        sb.append("\n|---|").append("---:|".repeat(r.tasks() - from + 1)).append('\n');
        for (ContinualResult.Method m : r.methods()) {
            sb.append("| ").append(name(m)).append(" |");
            for (int s = from; s <= r.tasks(); s++) {
                Stat st = m.at(s, metric);
                sb.append(' ').append(ReportFormat.pct(st)).append(" |");
            }
            sb.append('\n');
        }
        sb.append('\n');
    }

    private static String name(ContinualResult.Method m) {
        return ReportFormat.cell(m.label() + " [" + m.adapter() + ", " + m.fisher() + "]");
    }

    /** The analyses the generic renderer should leave out (this section shows them). */
    static List<String> shown() {
        return List.of(ContinualResult.KEY);
    }
}
