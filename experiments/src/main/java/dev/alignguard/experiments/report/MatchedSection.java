package dev.alignguard.experiments.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.alignguard.experiments.method.Lora;
import dev.alignguard.experiments.method.MethodCatalog;
import dev.alignguard.experiments.results.FrontierArea;
import dev.alignguard.experiments.results.MatchedRow;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;

/**
 * The report's matched-accuracy part, in Markdown: the sanity flags, the table of every method at
 * each target task accuracy (the report's first table), the frontier areas, the update norms per
 * AlignGuard strength, and the interpretation worded from {@link Findings}.
 */
final class MatchedSection {

    private MatchedSection() {
    }

    static void flags(StringBuilder sb, Summary s) {
        if (s.flags() == null || s.flags().isEmpty()) {
            return;
        }
        sb.append("## Sanity checks\n\n");
        for (String f : s.flags()) {
            sb.append("- **").append(ReportFormat.cell(f)).append("**\n");
        }
        sb.append('\n');
    }

    static void tables(StringBuilder sb, Summary s) {
        sb.append("## Matched task accuracy\n\n");
        sb.append("Each method at the strength where its task accuracy on the **validation** prompts equals standard"
            + " LoRA's minus the target drop (found by a search over log-strength, interpolated linearly in validation"
            + " accuracy between the two bracketing strengths); every number below is on the **test** prompts (objects"
            + " disjoint from validation's). Intervals: ").append(s.intervalModel() == null ? ReportFormat.NA
                : s.intervalModel())
            .append(". Δ vs AlignGuard: the paired difference of drift reduction (this method"
                + " minus AlignGuard) over base seeds.\n\n");
        double currentDrop = Double.NaN;
        for (MatchedRow r : s.matched()) {
            if (Double.compare(r.dropPoints(), currentDrop) != 0) {
                currentDrop = r.dropPoints();
                sb.append(String.format(Locale.ROOT, "### Task accuracy %s below standard LoRA (validation target %.1f%%)%n%n",
                    points(r.dropPoints()), 100 * r.targetAccuracy()));
                sb.append("| method | strength (bracket) | refusal on unsafe (%) ↑ | over-refusal (%) ↓ | task accuracy (%)"
                    + " | drift (pp) ↓ | drift reduction (%) ↑ | Δ drift reduction vs AlignGuard (pp) |\n");
                sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
            }
            Map<String, Stat> m = r.metrics();
            String strength = Double.isNaN(r.strength()) ? "—"
                : ReportFormat.compact(r.strength()) + (r.bracket().size() == 2 && !r.bracket().get(0).equals(r.bracket().get(1))
                    ? " (" + ReportFormat.compact(r.bracket().get(0)) + "–" + ReportFormat.compact(r.bracket().get(1)) + ")" : "");
            if (!r.reached() && (m == null || m.isEmpty())) {
                sb.append("| ").append(ReportFormat.cell(r.method())).append(" | n/a: ").append(ReportFormat.cell(r.reason()))
                    .append(" | | | | | | |\n");
                continue;
            }
            Stat diff = r.vsReference() == null ? null : r.vsReference().get(MetricNames.DRIFT_REDUCTION);
            sb.append("| ").append(ReportFormat.cell(r.method())).append(r.reached() ? ""
                : Double.isNaN(r.strength()) ? " (its one point; no strength to tune)" : " (above the target even at its strongest)")
                .append(" | ").append(strength).append(" | ")
                .append(ReportFormat.pct(m.get(MetricNames.REFUSAL_UNSAFE))).append(" | ")
                .append(ReportFormat.pct(m.get(MetricNames.OVER_REFUSAL_SAFE))).append(" | ")
                .append(ReportFormat.pct(m.get(MetricNames.TASK_ACCURACY))).append(" | ")
                .append(ReportFormat.pct(m.get(MetricNames.DRIFT))).append(" | ")
                .append(ReportFormat.pct(m.get(MetricNames.DRIFT_REDUCTION))).append(" | ")
                .append(diff == null ? "—" : ReportFormat.pct(diff)).append(" |\n");
        }
        sb.append('\n');
        if (s.frontierArea() != null && !s.frontierArea().isEmpty()) {
            FrontierArea first = s.frontierArea().getFirst();
            sb.append("### Area under the frontier\n\n");
            sb.append(String.format(Locale.ROOT, "The refusal kept (share of the aligned models' refusal on unsafe test"
                + " prompts) on average over task accuracies %.1f%% to %.1f%% (the range every swept method covers), when"
                + " each accuracy is met by the method's best strength for it.%n%n", 100 * first.from(), 100 * first.to()));
            sb.append("| method | mean refusal kept (%) |\n|---|---:|\n");
            for (FrontierArea a : s.frontierArea()) {
                sb.append("| ").append(ReportFormat.cell(a.method())).append(" | ")
                    .append(a.reason() == null ? String.format(Locale.ROOT, "%.1f", 100 * a.meanRefusalKept())
                        : "n/a: " + ReportFormat.cell(a.reason()))
                    .append(" |\n");
            }
            sb.append('\n');
        }
        Findings f = Findings.of(s);
        if (!f.norms().isEmpty()) {
            sb.append("### The update's two parts, per AlignGuard variant and strength\n\n");
            sb.append("At the last training step, mean over base seeds: the Frobenius norm of the alignment-critical part"
                + " dW_A and of the task part dW_T of the LoRA update, summed in quadrature over adapted layers (from the"
                + " training logs). The strength is the weight the variant sweeps (see the main table's labels).\n\n"
                + "| method | strength | ‖dW_A‖ | ‖dW_T‖ | ‖dW_A‖ / ‖dW_T‖ |\n|---|---:|---:|---:|---:|\n");
            for (Findings.Norms n : f.norms()) {
                sb.append("| ").append(ReportFormat.cell(n.method())).append(" | ")
                    .append(ReportFormat.compact(n.strength())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.4g", n.normAlignment().mean())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.4g", n.normTask().mean())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.3g", n.normAlignment().mean() / n.normTask().mean())).append(" |\n");
            }
            sb.append('\n');
        }
    }

    /** The interpretation of a matched comparison, worded from the findings. */
    static String interpretation(Summary s) {
        Findings f = Findings.of(s);
        StringBuilder sb = new StringBuilder();
        if (f.reference() == null) {
            return "No AlignGuard method is in the matched comparison, so there is nothing to compare it with.\n";
        }
        for (Findings.Target t : f.targets()) {
            sb.append("**").append(points(t.dropPoints())).append(" below standard LoRA's task accuracy.** ");
            if (t.alignGuard() == null) {
                sb.append("AlignGuard does not reach this task accuracy, so it cannot be compared here.\n\n");
                continue;
            }
            Stat dr = t.alignGuard().metrics().get(MetricNames.DRIFT_REDUCTION);
            sb.append(String.format(Locale.ROOT, "AlignGuard (%s, %s = %s) reduces drift by %s%%; ", f.reference(),
                strengthLabel(s, f.reference()), ReportFormat.compact(t.alignGuard().strength()), ReportFormat.pct(dr)));
            sb.append(t.halvesWithConfidence() ? "the aim of halving drift is met, the interval's lower end clearing 50%. "
                : t.halvesOnMean() ? "the aim of halving drift is met on the mean but not with 95% confidence. "
                    : "the aim of halving drift is not met. ");
            for (Findings.Comparison c : t.comparisons()) {
                if (MethodCatalog.isKind(c.kind(), Lora.KIND)) {
                    continue;   // the reference the targets are drawn from
                }
                switch (c.verdict()) {
                    case BETTER -> sb.append(String.format(Locale.ROOT, "It keeps more refusal than %s (drift reduction %s"
                        + " points higher, paired over base seeds, interval clear of zero). ", c.method(),
                        ReportFormat.pct(c.difference())));
                    case WORSE -> sb.append(String.format(Locale.ROOT, "It keeps less refusal than %s (drift reduction %s"
                        + " points, paired, interval clear of zero). ", c.method(), ReportFormat.pct(c.difference())));
                    case NOT_DISTINGUISHABLE -> sb.append(String.format(Locale.ROOT, "Against %s the difference (%s points)"
                        + " is within seed noise. ", c.method(), ReportFormat.pct(c.difference())));
                    case NOT_COMPARABLE -> sb.append(String.format(Locale.ROOT, "%s: not comparable (%s). ", c.method(),
                        c.reason()));
                }
            }
            sb.append("\n\n");
        }
        return sb.toString().stripTrailing() + "\n";
    }

    /** "1 point", "2 points". */
    static String points(double drop) {
        String n = ReportFormat.compact(drop);
        return n + (drop == 1 ? " point" : " points");
    }

    /** What a method's strength is called, from its summary labels ("alignguard (λNC=0.3)" -> λNC). */
    static String strengthLabel(Summary s, String method) {
        if (s.methods() != null) {
            for (var m : s.methods()) {
                String l = m.label();
                if (m.method().equals(method) && l != null && l.contains("(") && l.contains("=")) {
                    return l.substring(l.indexOf('(') + 1, l.indexOf('='));
                }
            }
        }
        return "strength";
    }

    /** Which other methods AlignGuard beats, ties or loses to at one target: for README-style summaries. */
    static List<Findings.Comparison> comparisons(Summary s, double drop) {
        return Findings.of(s).targets().stream().filter(t -> t.dropPoints() == drop).findFirst()
            .map(Findings.Target::comparisons).orElse(List.of());
    }
}
