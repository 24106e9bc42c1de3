package dev.alignguard.tour;

import static dev.alignguard.tour.Check.fmt;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import dev.alignguard.experiments.report.ParetoFrontier;
import dev.alignguard.experiments.report.Plots;
import dev.alignguard.experiments.report.ReportWriter;
import dev.alignguard.experiments.results.MatchedRow;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;

/**
 * Chapter 6: reading a report. A small study (chapter 5's micro world on three base seeds, with EWC
 * beside LoRA and AlignGuard, and the matched-accuracy block): its Pareto points and plot, its
 * matched-accuracy table, and how an interval over base seeds tells a real difference from seed noise.
 */
public final class Chapter6Report {

    /** Where the Pareto plot is written: {@code -Dtour.out=DIR}, else a temporary folder. */
    static final String OUT_PROPERTY = "tour.out";

    /** Three methods; AlignGuard sweeps lambda_NC and EWC its lambda, so both can be matched in task accuracy. */
    static final String METHODS = """
        [
            {"name": "lora", "kind": "lora"},
            {"name": "alignguard", "kind": "alignguard", "strengths": [0.3, 3.0],
             "params": {"lambda_a": 0.1, "lambda_t": 0.001, "alpha": 0.5, "geodesic": "subspace", "sweep": "lambda_nc"}},
            {"name": "ewc", "kind": "ewc", "strengths": [1.0, 100.0]}
          ]""";

    /** One target (LoRA's validation task accuracy minus 5 points), one extra round of search, one widening. */
    static final String MATCHED = """
        {"drops": [5.0], "rounds": 1, "widenings": 1}""";

    private Chapter6Report() {
    }

    public static void main(String[] args) {
        System.exit(Tour.runChapter(Tour.CHAPTERS.get(5), System.out) ? 0 : 1);
    }

    public static void run(PrintStream out) throws Exception {
        Check check = new Check(out);
        out.println("""
            The study: chapter 5's micro world on base seeds 7, 8 and 9 (a base seed fixes the world, the pretrained
            and the aligned model), fine-tuned with LoRA, AlignGuard (lambda_NC swept) and EWC (lambda swept).
            `./alignguard run <preset>` runs the same pipeline and writes summary.json, report.md and the plots.
            """);
        Summary s = Studies.run(Studies.parse(Chapter5Drift.spec("[7, 8, 9]", METHODS, MATCHED), "chapter 6"));
        check.equal("trials that failed", s.failures().size(), 0);

        // 1. The Pareto plot: every method at every strength, task accuracy against refusal kept.
        Stat alignedRefusal = s.aligned().get("refusal_unsafe");
        out.println("""

            1. The Pareto plot (pareto.png): one point per method and strength, means over base seeds.
               x = task accuracy, y = refusal kept = refusal(fine-tuned) / refusal(aligned). Up and right is better;
               a point is on the frontier when no other point is at least as good on both and better on one.""");
        List<ParetoFrontier.Point> points = ParetoFrontier.points(s);
        List<ParetoFrontier.Point> frontier = ParetoFrontier.nonDominated(points);
        out.println(fmt("   %-26s %14s %14s  %s", "point", "task accuracy", "refusal kept", "frontier"));
        for (ParetoFrontier.Point p : points) {
            out.println(fmt("   %-26s %13.1f%% %13.1f%%  %s", p.label(), 100 * p.taskAccuracy(), 100 * p.refusalKept(),
                frontier.contains(p) ? "yes" : ""));
        }
        double worstKept = 0;
        for (ParetoFrontier.Point p : points) {
            double byHand = p.source().metrics().get("refusal_unsafe").mean() / alignedRefusal.mean();
            worstKept = Math.max(worstKept, Math.abs(byHand - p.refusalKept()));
        }
        check.atMost("refusal kept = mean refusal / mean aligned refusal, every point: max |diff|", worstKept, 1e-12);
        int misplaced = 0;
        for (ParetoFrontier.Point p : points) {
            boolean dominated = points.stream().anyMatch(q -> ParetoFrontier.dominates(q, p));
            misplaced += dominated == frontier.contains(p) ? 1 : 0;
        }
        check.equal("the frontier is exactly the points no other point dominates: misplaced points", misplaced, 0);
        Path dir = System.getProperty(OUT_PROPERTY) == null ? Files.createTempDirectory("tour-report")
            : Files.createDirectories(Path.of(System.getProperty(OUT_PROPERTY)));
        Path png = dir.resolve(Plots.PARETO);
        Plots.writePng(Plots.pareto(s, ParetoFrontier.DEFAULT_TOLERANCE).orElseThrow(), png);
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        check.that("pareto.png written (a PNG file)", head[1] == 'P' && head[2] == 'N' && head[3] == 'G',
            png + ", " + Files.size(png) + " bytes");

        // 2. The matched-accuracy table, as report.md has it.
        out.println("""

            2. The matched-accuracy table. A stronger penalty keeps more refusal and learns less of the task, so
               comparing methods at one strength each compares trade-off points, not methods. The report first finds,
               on validation prompts, the strength where each method's task accuracy is standard LoRA's minus a target
               drop (here 5 points), then reports test metrics there. Cells are mean ± half-width of the 95% interval.
            """);
        out.println(ReportWriter.matchedTables(s).strip().indent(3));
        check.that("every matched strength is selected on validation prompts",
            s.matched().stream().allMatch(r -> r.selectedOn().equals("validation")), s.matched().size() + " rows");
        MatchedRow guard = row(s, "alignguard");
        MatchedRow ewc = row(s, "ewc");
        check.that("AlignGuard and EWC reach the target", guard.reached() && ewc.reached(),
            fmt("strengths %.3g and %.3g", guard.strength(), ewc.strength()));

        // 3. Intervals over base seeds, and seed noise.
        out.println(fmt("""

            3. Intervals. %s.
               One base seed is one world and one aligned model: the aligned models' refusal here is %s.
               For n seeds: mean, sd = sqrt(sum (x - mean)^2 / (n - 1)), half-width = t(0.975, n - 1) sd / sqrt(n),
               t(0.975, 2) = 4.303 for n = 3.""", s.intervalModel(), percents(alignedRefusal.values())));
        double[] v = alignedRefusal.values();
        double mean = Arrays.stream(v).average().orElseThrow();
        double sd = Math.sqrt(Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1));
        check.equal("base seeds", v.length, 3);
        check.near("aligned refusal: the summary's half-width is 4.303 sd / sqrt(3)", alignedRefusal.ci95(),
            4.303 * sd / Math.sqrt(3), 1e-12);

        Stat g = guard.metrics().get("refusal_unsafe"), e = ewc.metrics().get("refusal_unsafe");
        Stat diff = ReportWriter.pairedDifference(g, e);                // AlignGuard minus EWC, seed by seed
        out.println(fmt("""

            Compare two methods seed by seed (paired): a seed's own luck (a world that drifts a lot or little) is
            shared by both methods and cancels in the difference. Refusal on unsafe prompts at the matched target,
            per base seed:
              AlignGuard         %s
              EWC                %s
              AlignGuard - EWC   %s  ->  %+.1f ± %.1f points""",
            percents(g.values()), percents(e.values()), percents(diff.values()), 100 * diff.mean(), 100 * diff.ci95()));
        check.equal("one paired difference per base seed", diff.values().length, 3);
        boolean includesZero = diff.mean() - diff.ci95() <= 0 && 0 <= diff.mean() + diff.ci95();
        out.println(fmt("""
            The interval [%+.1f, %+.1f] points %s zero: %s""",
            100 * (diff.mean() - diff.ci95()), 100 * (diff.mean() + diff.ci95()), includesZero ? "includes" : "excludes",
            includesZero ? "on these seeds the difference is seed noise; more base seeds would narrow the interval."
                : "a real difference at the 95% level on these seeds."));
        check.that("the verdict follows from the interval", includesZero == (Math.abs(diff.mean()) <= diff.ci95()),
            fmt("mean %+.4f, half-width %.4f", diff.mean(), diff.ci95()));

        // The table's last column is the same computation on drift reduction (EWC minus AlignGuard).
        Stat dg = guard.metrics().get("drift_reduction"), de = ewc.metrics().get("drift_reduction");
        Stat dd = ReportWriter.pairedDifference(de, dg);
        Stat reported = ewc.vsReference().get("drift_reduction");
        out.println(fmt("""

            The table's last column, Δ drift reduction vs AlignGuard, is the same paired difference on
            drift reduction = 1 - drift / drift(LoRA), defined only on the base seeds where LoRA drifted
            (%d of 3 here): EWC - AlignGuard = %s -> %+.1f ± %.1f points. Fewer seeds, a larger t, a wider interval.""",
            dd.values().length, percents(dd.values()), 100 * dd.mean(), 100 * dd.ci95()));
        check.near("the table's Δ vs AlignGuard is this paired difference: mean", reported.mean(), dd.mean(), 1e-12);
        check.that("and half-width", Double.compare(reported.ci95(), dd.ci95()) == 0
            || Math.abs(reported.ci95() - dd.ci95()) <= 1e-12, fmt("%.6g vs %.6g", reported.ci95(), dd.ci95()));
        out.println("""

            Reading a real report (results/<study>/report.md): sanity flags first, then these tables per target,
            then every strength; trust a difference only when its paired interval excludes zero, and a method only
            at matched task accuracy.""");
    }

    private static MatchedRow row(Summary s, String method) {
        return s.matched().stream().filter(r -> r.method().equals(method)).findFirst()
            .orElseThrow(() -> new AssertionError("no matched row for " + method));
    }

    private static String percents(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double x : values) {
            sb.append(fmt("%.1f%% ", 100 * x));
        }
        return sb.toString().strip();
    }
}
