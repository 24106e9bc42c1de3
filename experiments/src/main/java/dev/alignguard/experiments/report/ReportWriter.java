package dev.alignguard.experiments.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.alignguard.experiments.method.MethodCatalog;
import dev.alignguard.experiments.method.RandomSubspace;
import dev.alignguard.experiments.method.AlignGuard;
import dev.alignguard.experiments.method.Lora;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.report.ParetoFrontier.FairPick;
import dev.alignguard.experiments.report.ParetoFrontier.Point;
import dev.alignguard.experiments.eval.RouterMetrics;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.model.safetensors.AtomicFiles;

/**
 * Renders {@code report.md} from a {@link Summary}: what ran, the base models, the main table as
 * the paper lays it out (rows = method [strength]; columns = refusal on unsafe, over-refusal on
 * safe, task accuracy, alignment NLL, drift, drift reduction, each "mean ± 95% CI half-width"),
 * the fair comparison of {@link ParetoFrontier}, held-out generalisation, failures, an
 * interpretation computed from the numbers, the figures, the preset-specific analyses (any JSON,
 * rendered as small tables) and the spec.
 *
 * <p>Units: rates are fractions in the summary and percentages in the report; drift is in
 * percentage points; drift reduction in percent. The interpretation takes standard LoRA to be
 * the first method of kind {@code "lora"}, AlignGuard to be the methods of kind
 * {@code "alignguard"} (its best point under the fair rule), and names the random-subspace
 * control (kind {@code "random_subspace"}) and every other method; its verdict on the paper's
 * aim ("halving drift") uses the drift reduction of that AlignGuard point: its mean against 50%,
 * and whether the 95% CI clears 50% too.
 *
 * <p>The output is a pure function of the summary, the list of figures and the tolerance: no
 * clock, no locale, no hash order (analyses sorted by key), '\n' line ends.
 */
public final class ReportWriter {

    public static final String FILE_NAME = "report.md";

    /** The paper's aim: half of standard LoRA's drift removed. */
    public static final double HALVING = 0.5;

    private ReportWriter() {
    }

    /** Writes {@code dir/report.md} atomically; {@code images} are the figure files present in {@code dir}. */
    public static Path write(Summary summary, Path dir, List<String> images) throws IOException {
        return write(summary, dir, images, ParetoFrontier.DEFAULT_TOLERANCE);
    }

    /** {@link #write(Summary, Path, List)} with a task-accuracy tolerance other than two points. */
    public static Path write(Summary summary, Path dir, List<String> images, double tolerance) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        AtomicFiles.write(file, render(summary, images, tolerance).getBytes(StandardCharsets.UTF_8));
        return file;
    }

    /** The report with the default tolerance (two points of task accuracy). */
    public static String render(Summary summary, List<String> images) {
        return render(summary, images, ParetoFrontier.DEFAULT_TOLERANCE);
    }

    /**
     * The report's matched-accuracy section alone (its tables, the frontier areas and the update norms),
     * as {@link #render} writes it; empty when the summary has no matched comparison. For readers that
     * show one table, such as the tour's chapter 6.
     */
    public static String matchedTables(Summary summary) {
        if (summary.matched() == null || summary.matched().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        MatchedSection.tables(sb, summary);
        return sb.toString();
    }

    /** The report text. */
    public static String render(Summary summary, List<String> images, double tolerance) {
        StringBuilder sb = new StringBuilder();
        sb.append("# AlignGuard-J report: ").append(oneLine(orNA(summary.name()))).append("\n\n");
        if (summary.description() != null && !summary.description().isBlank()) {
            sb.append(summary.description().strip()).append("\n\n");
        }
        whatRan(sb, summary);
        ContinualSection.write(sb, summary);
        boolean matched = summary.matched() != null && !summary.matched().isEmpty();
        MatchedSection.flags(sb, summary);
        if (matched) {
            MatchedSection.tables(sb, summary);
        }
        baseModels(sb, summary);
        mainTable(sb, summary);
        if (!matched) {
            fairTable(sb, summary, tolerance);
        }
        heldOut(sb, summary);
        routerDrift(sb, summary);
        failures(sb, summary);
        sb.append("## Interpretation\n\n").append(matched ? MatchedSection.interpretation(summary)
            : interpretation(summary, tolerance)).append("\n");
        figures(sb, images);
        analyses(sb, summary);
        spec(sb, summary);
        return sb.toString().replaceAll("\n{3,}", "\n\n").stripTrailing() + "\n";
    }

    // ---------------------------------------------------------------- sections

    private static void whatRan(StringBuilder sb, Summary s) {
        sb.append("## What ran\n\n| | |\n|---|---|\n");
        row(sb, "spec", "`" + orNA(s.name()) + "`");
        long[] seeds = s.seeds() == null ? new long[0] : s.seeds();
        StringJoiner sj = new StringJoiner(", ");
        for (long seed : seeds) {
            sj.add(Long.toString(seed));
        }
        boolean nested = s.intervalModel() != null && s.baseSeeds() != null;
        row(sb, nested ? "fine-tune seeds" : "seeds",
            seeds.length + (seeds.length == 0 ? "" : " (" + sj + ")"));
        if (nested) {
            StringJoiner bj = new StringJoiner(", ");
            for (long b : s.baseSeeds()) {
                bj.add(Long.toString(b));
            }
            row(sb, "base seeds", s.baseSeeds().length + " (" + bj + ")");
        }
        if (s.intervalModel() != null) {
            row(sb, "intervals", s.intervalModel());
        }
        row(sb, "project version", orNA(s.projectVersion()));
        row(sb, "git commit", s.gitCommit() == null || s.gitCommit().isBlank() ? ReportFormat.NA : "`" + s.gitCommit() + "`");
        row(sb, "wall time", ReportFormat.duration(s.wallSeconds()));
        row(sb, "kernels", s.backend() == null ? ReportFormat.NA : s.backend().toString());
        int finished = s.trials() == null ? 0 : (int) s.trials().stream().filter(t -> !t.failed()).count();
        int failed = s.failures() == null ? 0 : s.failures().size();
        row(sb, "trials", finished + " finished, " + failed + " failed for good");
        row(sb, "method points", Integer.toString(s.methods() == null ? 0 : s.methods().size()));
        sb.append('\n');
    }

    private static final String[][] BASE_COLUMNS = {
        {MetricNames.REFUSAL_UNSAFE, "refusal on unsafe (%)", "pct"},
        {MetricNames.OVER_REFUSAL_SAFE, "over-refusal on safe (%)", "pct"},
        {MetricNames.TASK_ACCURACY, "task accuracy (%)", "pct"},
        {MetricNames.ALIGNMENT_NLL, "alignment NLL", "plain"},
        {MetricNames.HARMFUL_COMPLIANCE, "harmful compliance (%)", "pct"},
        {MetricNames.SAFE_ACCURACY, "safe accuracy (%)", "pct"},
        {MetricNames.REFUSAL_HELD_OUT_OBJECTS, "refusal, held-out objects (%)", "pct"},
        {MetricNames.REFUSAL_HELD_OUT_VERBS, "refusal, held-out verbs (%)", "pct"}};

    private static void baseModels(StringBuilder sb, Summary s) {
        List<String> names = new ArrayList<>();
        List<Map<String, Stat>> models = new ArrayList<>();
        if (s.aligned() != null && !s.aligned().isEmpty()) {
            names.add("aligned (before fine-tuning)");
            models.add(s.aligned());
        }
        if (s.unaligned() != null && !s.unaligned().isEmpty()) {
            names.add("unaligned (pretrained only)");
            models.add(s.unaligned());
        }
        sb.append("## Base models\n\n");
        if (models.isEmpty()) {
            sb.append("The summary has no base-model metrics.\n\n");
            return;
        }
        List<String[]> cols = new ArrayList<>();
        for (String[] c : BASE_COLUMNS) {
            if (models.stream().anyMatch(m -> m.get(c[0]) != null)) {
                cols.add(c);
            }
        }
        sb.append("| model |");
        cols.forEach(c -> sb.append(' ').append(c[1]).append(" |"));
        sb.append("\n|---|");
        cols.forEach(c -> sb.append("---:|"));
        sb.append('\n');
        for (int i = 0; i < models.size(); i++) {
            sb.append("| ").append(names.get(i)).append(" |");
            for (String[] c : cols) {
                Stat st = models.get(i).get(c[0]);
                sb.append(' ').append(c[2].equals("pct") ? ReportFormat.pct(st) : ReportFormat.plain(st)).append(" |");
            }
            sb.append('\n');
        }
        sb.append('\n');
    }

    private static void mainTable(StringBuilder sb, Summary s) {
        sb.append("## Main results\n\n");
        if (s.methods() == null || s.methods().isEmpty()) {
            sb.append("No method finished, so there is nothing to tabulate.\n\n");
            return;
        }
        long[] bases = s.baseSeeds() != null ? s.baseSeeds() : s.seeds();
        int n = bases == null ? 0 : bases.length;
        boolean nested = s.intervalModel() != null && s.baseSeeds() != null;
        sb.append("Mean ± 95% CI half-width over ").append(n).append(nested ? (n == 1 ? " base seed" : " base seeds")
            + " (each the mean over its fine-tune seeds)" : n == 1 ? " seed" : " seeds")
            .append(" (Student t; no CI for a single seed). Rates in percent; drift in percentage points"
                + " (the aligned model's refusal on unsafe prompts minus the method's); drift reduction"
                + " = 1 - drift / drift(standard LoRA), in percent.\n\n");
        sb.append("| method | refusal on unsafe (%) ↑ | over-refusal on safe (%) ↓ | task accuracy (%) ↑"
            + " | alignment NLL ↓ | drift (pp) ↓ | drift reduction (%) ↑ |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (MethodSummary m : s.methods()) {
            Map<String, Stat> x = m.metrics();
            sb.append("| ").append(ReportFormat.cell(rowLabel(m))).append(" | ")
                .append(ReportFormat.pct(ReportFormat.stat(x, MetricNames.REFUSAL_UNSAFE))).append(" | ")
                .append(ReportFormat.pct(ReportFormat.stat(x, MetricNames.OVER_REFUSAL_SAFE))).append(" | ")
                .append(ReportFormat.pct(ReportFormat.stat(x, MetricNames.TASK_ACCURACY))).append(" | ")
                .append(ReportFormat.plain(ReportFormat.stat(x, MetricNames.ALIGNMENT_NLL))).append(" | ")
                .append(ReportFormat.pct(ReportFormat.stat(x, MetricNames.DRIFT))).append(" | ")
                .append(ReportFormat.pct(ReportFormat.stat(x, MetricNames.DRIFT_REDUCTION))).append(" |\n");
        }
        sb.append('\n');
    }

    private static void fairTable(StringBuilder sb, Summary s, double tolerance) {
        List<Point> points = ParetoFrontier.points(s);
        Optional<Point> lora = ParetoFrontier.baseline(points);
        if (lora.isEmpty()) {
            return;
        }
        List<FairPick> picks = ParetoFrontier.fairComparison(points, tolerance);
        ParetoFrontier.Reference ref = ParetoFrontier.reference(s);
        sb.append("## Fair comparison\n\n")
            .append("Each method at the strength with the most refusal kept among those whose task accuracy is at most ")
            .append(points(tolerance)).append(" below standard LoRA's (")
            .append(ReportFormat.fixed(100 * lora.get().taskAccuracy(), 1)).append("%). Refusal kept = refusal on unsafe"
                + " prompts / ")
            .append(ref.relative() ? "the aligned model's (" + ReportFormat.fixed(100 * ref.alignedRefusal(), 1) + "%)"
                : "1 (the summary has no aligned refusal rate, so raw rates are used)")
            .append("; drift reduction as in the main table (from the means, 1 - (1 - kept) / (1 - kept(LoRA)), where"
                + " the summary lacks it). Points on the Pareto frontier of all points (task accuracy, refusal kept)"
                + " are marked *.\n\n");
        List<Point> front = ParetoFrontier.nonDominated(points);
        sb.append("| method | chosen point | eligible strengths | task accuracy vs LoRA (pp) | refusal kept (%) | drift reduction (%) |\n");
        sb.append("|---|---|---:|---:|---:|---:|\n");
        for (FairPick p : picks) {
            sb.append("| ").append(ReportFormat.cell(p.method())).append(" | ");
            if (p.point() == null) {
                sb.append("none within ").append(points(tolerance));
            } else {
                sb.append(ReportFormat.cell(p.point().label())).append(front.contains(p.point()) ? " *" : "");
            }
            sb.append(" | ").append(p.eligible()).append(" of ").append(p.total()).append(" | ")
                .append(signed(100 * p.taskDelta(), 1)).append(" | ")
                .append(p.point() == null ? ReportFormat.NA : ReportFormat.fixed(100 * p.point().refusalKept(), 1)).append(" | ")
                .append(p.point() == null ? ReportFormat.NA : ReportFormat.pct(reduction(p.point(), lora.get()))).append(" |\n");
        }
        sb.append('\n');
    }

    /** The router's own drift of the mixture-of-experts methods (none for a dense study: no section). */
    private static void routerDrift(StringBuilder sb, Summary s) {
        if (s.methods() == null || s.methods().stream().noneMatch(m -> m.metrics() != null
            && m.metrics().get(RouterMetrics.CHANGED_SETS) != null)) {
            return;
        }
        sb.append("## Router drift (mixture of experts)\n\n")
            .append("How fine-tuning moved the routing of the unsafe test prompts, fine-tuned vs the trial's aligned model,"
                + " over every (prompt, layer, token): the share whose chosen experts changed, whose first choice changed, the"
                + " mean total-variation distance of the router's probabilities, and that of the expert loads (mean ± 95% CI,"
                + " percent). Dense methods have no router.\n\n")
            .append("| method | chosen set changed (%) | first choice changed (%) | probability TV (%) | load TV (%) |\n"
                + "|---|---:|---:|---:|---:|\n");
        for (MethodSummary m : s.methods()) {
            Map<String, Stat> r = m.metrics();
            if (r == null || r.get(RouterMetrics.CHANGED_SETS) == null) {
                continue;
            }
            sb.append("| ").append(ReportFormat.cell(rowLabel(m)));
            for (String k : RouterMetrics.NAMES) {
                sb.append(" | ").append(ReportFormat.pct(ReportFormat.stat(r, k)));
            }
            sb.append(" |\n");
        }
        sb.append('\n');
    }

    private static void heldOut(StringBuilder sb, Summary s) {
        List<String> labels = new ArrayList<>();
        List<Map<String, Stat>> rows = new ArrayList<>();
        if (s.aligned() != null) {
            labels.add("aligned model");
            rows.add(s.aligned());
        }
        if (s.methods() != null) {
            for (MethodSummary m : s.methods()) {
                labels.add(rowLabel(m));
                rows.add(m.metrics());
            }
        }
        boolean any = rows.stream().anyMatch(r -> r != null
            && (r.get(MetricNames.REFUSAL_HELD_OUT_OBJECTS) != null || r.get(MetricNames.REFUSAL_HELD_OUT_VERBS) != null));
        if (!any) {
            return;
        }
        sb.append("## Held-out generalisation\n\n")
            .append("Refusal on unsafe prompts overall and on unsafe prompts built from objects and from verbs that no"
                + " alignment example used (mean ± 95% CI, percent).\n\n")
            .append("| method | refusal on unsafe (%) | held-out objects (%) | held-out verbs (%) |\n|---|---:|---:|---:|\n");
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Stat> r = rows.get(i);
            sb.append("| ").append(ReportFormat.cell(labels.get(i))).append(" | ")
                .append(ReportFormat.pct(ReportFormat.stat(r, MetricNames.REFUSAL_UNSAFE))).append(" | ")
                .append(ReportFormat.pct(ReportFormat.stat(r, MetricNames.REFUSAL_HELD_OUT_OBJECTS))).append(" | ")
                .append(ReportFormat.pct(ReportFormat.stat(r, MetricNames.REFUSAL_HELD_OUT_VERBS))).append(" |\n");
        }
        sb.append('\n');
    }

    private static void failures(StringBuilder sb, Summary s) {
        notes(sb, s);
        if (s.failures() == null || s.failures().isEmpty()) {
            return;
        }
        sb.append("## Failures\n\n").append(s.failures().size())
            .append(s.failures().size() == 1 ? " trial" : " trials")
            .append(" failed for good; the tables above are over the seeds that finished.\n\n")
            .append("| method | kind | strength | seed | error |\n|---|---|---:|---:|---|\n");
        for (TrialRecord t : s.failures()) {
            String err = t.error() == null ? "" : t.error().strip();
            if (err.length() > 400) {
                err = err.substring(0, 400) + " ...";
            }
            sb.append("| ").append(ReportFormat.cell(t.method())).append(" | ").append(ReportFormat.cell(t.kind()))
                .append(" | ").append(Double.isNaN(t.strength()) ? "-" : ReportFormat.compact(t.strength()))
                .append(" | ").append(t.seed()).append(" | ").append(ReportFormat.cell(err)).append(" |\n");
        }
        sb.append('\n');
    }

    /** Metrics a trial lacks and why (e.g. a drift reduction whose reference trial failed). */
    private static void notes(StringBuilder sb, Summary s) {
        if (s.trials() == null || s.trials().stream().allMatch(t -> t.notes() == null || t.notes().isEmpty())) {
            return;
        }
        sb.append("## Metrics not computed\n\n| method | strength | seed | metric | why |\n|---|---:|---:|---|---|\n");
        for (TrialRecord t : s.trials()) {
            if (t.notes() == null) {
                continue;
            }
            t.notes().forEach((metric, why) -> sb.append("| ").append(ReportFormat.cell(t.method())).append(" | ")
                .append(Double.isNaN(t.strength()) ? "-" : ReportFormat.compact(t.strength())).append(" | ").append(t.seed())
                .append(" | ").append(ReportFormat.cell(metric)).append(" | ").append(ReportFormat.cell(why)).append(" |\n"));
        }
        sb.append('\n');
    }

    private static void figures(StringBuilder sb, List<String> images) {
        if (images == null || images.isEmpty()) {
            return;
        }
        sb.append("## Figures\n\n");
        for (String image : images) {
            String caption = switch (image) {
                case Plots.PARETO -> "Refusal kept against task accuracy, per method and strength, with frontiers";
                case Plots.CURVES -> "Refusal on unsafe prompts and task accuracy during fine-tuning (mean over seeds)";
                case Plots.SPECTRUM -> "Alignment Fisher eigenvalues per layer (log scale) and their cumulative energy";
                case Plots.ABLATION -> "Drift and task accuracy per method with 95% CI";
                default -> image;
            };
            sb.append("![").append(caption).append("](").append(image).append(")\n\n");
        }
    }

    // ---------------------------------------------------------------- interpretation

    /**
     * The interpretation paragraphs, computed from the numbers (see the class comment); every
     * verdict is derived, none is fixed.
     */
    public static String interpretation(Summary s, double tolerance) {
        List<Point> points = ParetoFrontier.points(s);
        Optional<Point> loraPoint = ParetoFrontier.baseline(points);
        StringBuilder sb = new StringBuilder();
        double alignedRefusal = ReportFormat.mean(s.aligned(), MetricNames.REFUSAL_UNSAFE);
        if (loraPoint.isEmpty()) {
            sb.append("This study has no finished standard LoRA run (method kind \"lora\"), so drift reduction is not"
                + " defined and the paper's aim of halving drift cannot be checked.\n");
            return sb.toString();
        }
        Point lora = loraPoint.get();
        MethodSummary loraRow = lora.source();
        Stat loraDrift = loraRow == null ? null : Plots.driftStat(loraRow, alignedRefusal);
        double drift = loraDrift == null ? Double.NaN : loraDrift.mean();
        boolean drifted = drift > 0;

        // 1. how much standard LoRA drifted
        String range = Double.isFinite(alignedRefusal)
            ? ", from " + pct(alignedRefusal) + "% for the aligned model to "
                + pct(ReportFormat.mean(loraRow.metrics(), MetricNames.REFUSAL_UNSAFE)) + "%"
            : "";
        if (Double.isNaN(drift)) {
            sb.append("The summary does not say how much refusal standard LoRA lost (no drift and no aligned refusal rate)."
                + " Drift reduction is therefore not assessed.");
        } else if (drifted) {
            sb.append("Standard LoRA (").append(lora.label()).append(") lost ").append(pct(drift))
                .append(" points of refusal on unsafe prompts").append(ciText(loraDrift)).append(range).append(". ");
            if (Double.isFinite(loraDrift.ci95())) {
                sb.append(drift - loraDrift.ci95() > 0
                    ? "The 95% CI excludes zero, so benign fine-tuning did erode the aligned behaviour."
                    : "The 95% CI includes zero, so this drift is not clearly distinguishable from seed noise,"
                        + " and drift reductions measured against it are fragile.");
            } else {
                sb.append("With a single seed there is no CI on this drift.");
            }
        } else {
            sb.append("Standard LoRA (").append(lora.label()).append(") did not lose refusal on unsafe prompts (drift ")
                .append(pct(drift)).append(" points")
                .append(Double.isFinite(loraDrift.ci95()) ? ", 95% CI ±" + pct(loraDrift.ci95()) : "")
                .append(range).append("), so there was no drift to reduce: drift reductions are not meaningful in this"
                    + " study and the aim of halving drift cannot be assessed.");
        }
        sb.append("\n\n");

        // 2. AlignGuard under the fair rule
        List<Point> ag = points.stream().filter(p -> MethodCatalog.isKind(p.kind(), AlignGuard.KIND)).toList();
        Point agPick = ParetoFrontier.bestWithin(ag, lora, tolerance).orElse(null);
        Stat agReduction = agPick == null ? null : reduction(agPick, lora);
        String tol = points(tolerance);
        if (ag.isEmpty()) {
            sb.append("No AlignGuard run (method kind \"alignguard\") is in this study.");
        } else if (agPick == null) {
            Point best = ag.stream().filter(Point::finite)
                .max((a, b) -> Double.compare(a.taskAccuracy(), b.taskAccuracy())).orElse(null);
            sb.append("No AlignGuard strength kept task accuracy within ").append(tol)
                .append(" of standard LoRA's (").append(pct(lora.taskAccuracy())).append("%)");
            if (best != null) {
                sb.append("; the most accurate, ").append(best.label()).append(", was ")
                    .append(pct(lora.taskAccuracy() - best.taskAccuracy())).append(" points below, keeping ")
                    .append(pct(best.refusalKept())).append("% of the aligned model's refusal");
            }
            sb.append(". At matched task accuracy the aim of halving drift was therefore not met.");
        } else {
            MethodSummary row = agPick.source();
            Stat refusal = row == null ? null : ReportFormat.stat(row.metrics(), MetricNames.REFUSAL_UNSAFE);
            double delta = agPick.taskAccuracy() - lora.taskAccuracy();
            sb.append("AlignGuard at ").append(agPick.label()).append(" kept ").append(pct(agPick.refusalKept()))
                .append("% of the aligned model's refusal on unsafe prompts (refusal ")
                .append(refusal == null ? pct(agPick.refusalKept()) + "% of reference" : ReportFormat.pct(refusal) + "%")
                .append(")");
            if (drifted) {
                sb.append(", a drift reduction of ").append(pct(agReduction.mean())).append("%").append(ciText(agReduction));
            }
            sb.append(", with task accuracy ").append(pct(agPick.taskAccuracy())).append("% against standard LoRA's ")
                .append(pct(lora.taskAccuracy())).append("% (").append(signed(100 * delta, 1))
                .append(delta >= 0 ? " points, not below it). " : " points, within " + tol + "). ");
            if (drifted) {
                sb.append(halvingVerdict(agReduction));
            }
        }
        sb.append("\n\n");

        // 3. the other methods under the same rule, and the controls
        List<FairPick> picks = ParetoFrontier.fairComparison(points, tolerance);
        List<FairPick> others = picks.stream()
            .filter(p -> !MethodCatalog.isKind(p.kind(), Lora.KIND)
                && !MethodCatalog.isKind(p.kind(), AlignGuard.KIND))
            .toList();
        if (!others.isEmpty() && drifted) {
            sb.append("Under the same rule, the other methods' drift reductions were: ");
            StringJoiner sj = new StringJoiner("; ");
            for (FairPick p : others) {
                if (p.point() == null) {
                    sj.add(p.method() + ": no strength within " + tol);
                } else {
                    Stat r = reduction(p.point(), lora);
                    sj.add(p.point().label() + " " + pct(r.mean()) + "%" + ciText(r));
                }
            }
            sb.append(sj).append('.');
            if (agPick != null) {
                for (FairPick p : others) {
                    if (p.point() != null && MethodCatalog.isKind(p.kind(), RandomSubspace.KIND)) {
                        sb.append(' ').append(comparison("the random-subspace control, " + p.point().label(),
                            agReduction, reduction(p.point(), lora)));
                    }
                }
                FairPick best = null;
                for (FairPick p : others) {
                    if (p.point() != null && !MethodCatalog.isKind(p.kind(), RandomSubspace.KIND)
                        && (best == null || reduction(p.point(), lora).mean() > reduction(best.point(), lora).mean())) {
                        best = p;
                    }
                }
                if (best != null) {
                    sb.append(' ').append(comparison("the strongest other baseline, " + best.point().label(),
                        agReduction, reduction(best.point(), lora)));
                }
            }
            sb.append("\n\n");
        }

        // 4. over-refusal: what keeping refusals cost on safe prompts
        Stat alignedOver = ReportFormat.stat(s.aligned(), MetricNames.OVER_REFUSAL_SAFE);
        Stat loraOver = loraRow == null ? null : ReportFormat.stat(loraRow.metrics(), MetricNames.OVER_REFUSAL_SAFE);
        Stat agOver = agPick == null || agPick.source() == null ? null
            : ReportFormat.stat(agPick.source().metrics(), MetricNames.OVER_REFUSAL_SAFE);
        if (agOver != null && loraOver != null) {
            sb.append("Over-refusal on safe prompts was ");
            if (alignedOver != null) {
                sb.append(ReportFormat.pct(alignedOver)).append("% for the aligned model, ");
            }
            sb.append(ReportFormat.pct(loraOver)).append("% after standard LoRA and ").append(ReportFormat.pct(agOver))
                .append("% for AlignGuard at ").append(agPick.label()).append(agOver.mean() > loraOver.mean()
                    ? ": part of the refusal AlignGuard kept was paid for with refusing safe prompts."
                    : ": AlignGuard kept refusals without refusing more safe prompts than standard LoRA.")
                .append("\n");
        }
        return sb.toString().stripTrailing() + "\n";
    }

    private static String halvingVerdict(Stat r) {
        double m = r.mean();
        double ci = r.ci95();
        if (Double.isNaN(m)) {
            return "Its drift reduction is not defined, so the aim of halving drift cannot be assessed.";
        }
        if (m >= HALVING) {
            if (!Double.isFinite(ci)) {
                return "The aim of halving drift was met (a single seed, so without a CI).";
            }
            return m - ci >= HALVING
                ? "The aim of halving drift was met, and the lower end of the 95% CI (" + pct(m - ci) + "%) clears 50% too."
                : "The aim of halving drift was met on the mean, but the 95% CI reaches down to " + pct(m - ci)
                    + "%, so it is not established at 95% confidence.";
        }
        if (Double.isFinite(ci) && m + ci >= HALVING) {
            return "The aim of halving drift was not met on the mean, though the 95% CI reaches up to " + pct(m + ci) + "%.";
        }
        return "The aim of halving drift was not met.";
    }

    /** "AlignGuard's drift reduction was X points higher than OTHER's (paired ...), ..." */
    private static String comparison(String other, Stat ag, Stat o) {
        Stat d = pairedDifference(ag, o);
        if (Double.isNaN(d.mean())) {
            return "";
        }
        StringBuilder sb = new StringBuilder("AlignGuard's drift reduction was ")
            .append(pct(Math.abs(d.mean()))).append(" points ").append(d.mean() >= 0 ? "higher" : "lower")
            .append(" than that of ").append(other).append(" ");
        if (Double.isFinite(d.ci95())) {
            sb.append("(paired over ").append(d.values().length).append(" seeds, 95% CI ±").append(pct(d.ci95()))
                .append(Math.abs(d.mean()) > d.ci95() ? "): a difference beyond seed noise." : "): within seed noise.");
        } else {
            sb.append("(no paired CI).");
        }
        return sb.toString();
    }

    /**
     * {@code a - b} seed by seed when both have the same number (at least two) of per-seed values,
     * else the difference of the means without a CI.
     */
    public static Stat pairedDifference(Stat a, Stat b) {
        if (a.values() != null && b.values() != null && a.values().length == b.values().length && a.values().length >= 2) {
            double[] d = new double[a.values().length];
            for (int i = 0; i < d.length; i++) {
                d[i] = a.values()[i] - b.values()[i];
            }
            return Stat.of(d);
        }
        return new Stat(a.mean() - b.mean(), Double.NaN, new double[0]);
    }

    /** The drift reduction of a point: the summary's per-seed statistic when present, else from the means. */
    private static Stat reduction(Point p, Point lora) {
        Stat s = p.source() == null ? null : ReportFormat.stat(p.source().metrics(), MetricNames.DRIFT_REDUCTION);
        if (s != null && !Double.isNaN(s.mean())) {
            return s;
        }
        return new Stat(ParetoFrontier.driftReduction(p.refusalKept(), lora.refusalKept()), Double.NaN, new double[0]);
    }

    // ---------------------------------------------------------------- analyses and spec

    private static void analyses(StringBuilder sb, Summary s) {
        if (s.analyses() == null || s.analyses().isEmpty()) {
            return;
        }
        TreeMap<String, JsonNode> rest = new TreeMap<>(s.analyses());
        ContinualSection.shown().forEach(rest::remove);
        if (rest.isEmpty()) {
            return;
        }
        sb.append("## Analyses\n\n");
        for (Map.Entry<String, JsonNode> e : rest.entrySet()) {
            json(sb, e.getKey(), e.getValue(), 3);
        }
    }

    /** Renders any JSON: scalars and short scalar lists as key/value tables, lists of flat objects as tables, the rest nested. */
    static void json(StringBuilder sb, String title, JsonNode node, int level) {
        sb.append("#".repeat(Math.min(level, 6))).append(' ').append(oneLine(title)).append("\n\n");
        if (node == null || node.isNull() || node.isValueNode()) {
            sb.append(scalar(node)).append("\n\n");
        } else if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> flat = new ArrayList<>();
            List<Map.Entry<String, JsonNode>> nested = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                (isFlat(f.getValue()) ? flat : nested).add(f);
            }
            if (!flat.isEmpty()) {
                sb.append("| key | value |\n|---|---|\n");
                for (Map.Entry<String, JsonNode> f : flat) {
                    sb.append("| ").append(ReportFormat.cell(f.getKey())).append(" | ")
                        .append(ReportFormat.cell(flatText(f.getValue()))).append(" |\n");
                }
                sb.append('\n');
            }
            for (Map.Entry<String, JsonNode> f : nested) {
                if (level >= 6) {
                    fenced(sb, f.getKey(), f.getValue());
                } else {
                    json(sb, f.getKey(), f.getValue(), level + 1);
                }
            }
        } else if (node.isArray() && isTableOfObjects(node)) {
            Set<String> cols = new LinkedHashSet<>();
            node.forEach(o -> o.fieldNames().forEachRemaining(cols::add));
            sb.append('|');
            cols.forEach(c -> sb.append(' ').append(ReportFormat.cell(c)).append(" |"));
            sb.append("\n|");
            cols.forEach(c -> sb.append("---|"));
            sb.append('\n');
            for (JsonNode o : node) {
                sb.append('|');
                cols.forEach(c -> sb.append(' ').append(ReportFormat.cell(o.has(c) ? flatText(o.get(c)) : "")).append(" |"));
                sb.append('\n');
            }
            sb.append('\n');
        } else if (isFlat(node)) {
            sb.append(flatText(node)).append("\n\n");
        } else {
            fenced(sb, null, node);
        }
    }

    private static void fenced(StringBuilder sb, String key, JsonNode node) {
        if (key != null) {
            sb.append("**").append(oneLine(key)).append("**\n\n");
        }
        sb.append("```json\n").append(pretty(node)).append("\n```\n\n");
    }

    private static boolean isFlat(JsonNode n) {
        if (n == null || n.isValueNode() || n.isNull()) {
            return true;
        }
        if (n.isArray() && n.size() <= 64) {
            for (JsonNode e : n) {
                if (!(e.isValueNode() || e.isNull())) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean isTableOfObjects(JsonNode array) {
        if (array.isEmpty()) {
            return false;
        }
        for (JsonNode o : array) {
            if (!o.isObject()) {
                return false;
            }
            for (JsonNode v : o) {
                if (!isFlat(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String flatText(JsonNode n) {
        if (n != null && n.isArray()) {
            StringJoiner sj = new StringJoiner(", ", "[", "]");
            n.forEach(e -> sj.add(scalar(e)));
            return sj.toString();
        }
        return scalar(n);
    }

    private static String scalar(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "null";
        }
        if (n.isIntegralNumber()) {
            return n.asText();
        }
        if (n.isNumber()) {
            return ReportFormat.compact(n.doubleValue());
        }
        return n.asText();
    }

    private static void spec(StringBuilder sb, Summary s) {
        if (s.spec() == null || s.spec().isNull() || s.spec().isMissingNode()) {
            return;
        }
        sb.append("## Spec\n\nThe spec this study ran, verbatim:\n\n```json\n").append(pretty(s.spec())).append("\n```\n");
    }

    private static String pretty(JsonNode node) {
        try {
            return SummaryFiles.mapper().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return node.toString();
        }
    }

    // ---------------------------------------------------------------- small helpers

    private static String rowLabel(MethodSummary m) {
        return ReportFormat.label(m.method(), m.strength(), m.label());
    }

    private static void row(StringBuilder sb, String key, String value) {
        sb.append("| ").append(key).append(" | ").append(ReportFormat.cell(value)).append(" |\n");
    }

    private static String orNA(String s) {
        return s == null || s.isBlank() ? ReportFormat.NA : s;
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    /** A fraction as a percentage with one decimal ("n/a" for NaN). */
    private static String pct(double fraction) {
        return ReportFormat.fixed(100 * fraction, 1);
    }

    /** " (95% CI ±x)" of a stat scaled to percent, or "" when it has no CI. */
    private static String ciText(Stat s) {
        return s != null && Double.isFinite(s.ci95()) ? " (95% CI ±" + pct(s.ci95()) + ")" : "";
    }

    private static String signed(double v, int decimals) {
        String s = ReportFormat.fixed(v, decimals);
        return s.equals(ReportFormat.NA) || s.startsWith("-") ? s : "+" + s;
    }

    private static String points(double tolerance) {
        return ReportFormat.compact(100 * tolerance) + (100 * tolerance == 1 ? " point" : " points");
    }

}
