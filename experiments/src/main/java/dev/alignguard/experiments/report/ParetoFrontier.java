package dev.alignguard.experiments.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.alignguard.experiments.method.MethodCatalog;
import dev.alignguard.experiments.method.Lora;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;

/**
 * The trade-off between keeping refusals and learning the task, as pure functions.
 *
 * <p><b>Refusal kept</b> of a method is {@code refusal_unsafe(method) / refusal_unsafe(aligned)}:
 * 1 means the fine-tuned model refuses unsafe prompts as often as the aligned model did, 0 means
 * it never does (the paper's "refusal retention"). The ratio, rather than the raw rate, makes
 * studies with different aligned models comparable, and it turns drift reduction into a function
 * of the two points alone: with {@code k} the refusal kept, drift = R_aligned (1 - k), so
 * {@code drift reduction = 1 - (1 - k_method) / (1 - k_lora)}. When the summary has no positive
 * aligned refusal rate the raw refusal rate is used instead (reference 1.0); {@link #reference}
 * says which.
 *
 * <p><b>Dominance</b> (both axes are "higher is better"): p dominates q when p is at least as good
 * on both task accuracy and refusal kept and strictly better on one. Points with a NaN coordinate
 * are ignored. Equal points do not dominate each other, so both stay on the frontier.
 *
 * <p><b>Fair comparison</b>: a regulariser can always buy refusal by not learning the task, so a
 * method is judged by its best refusal kept among its strengths whose task accuracy is no more
 * than {@code tolerance} below standard LoRA's (the first point of kind {@code "lora"}); more
 * accurate points are always eligible. Ties go to the higher task accuracy, then to the earlier
 * point.
 */
public final class ParetoFrontier {

    /** Two percentage points, in the [0, 1] units of the metrics. */
    public static final double DEFAULT_TOLERANCE = 0.02;

    /**
     * One method at one strength. {@code source} is the summary row it came from (null for points
     * made by hand).
     */
    public record Point(String method, String kind, double strength, String label,
                        double taskAccuracy, double refusalKept, MethodSummary source) {

        public static Point of(String method, String kind, double strength, double taskAccuracy, double refusalKept) {
            return new Point(method, kind, strength, ReportFormat.label(method, strength, null), taskAccuracy, refusalKept, null);
        }

        /** Both coordinates are finite numbers. */
        public boolean finite() {
            return Double.isFinite(taskAccuracy) && Double.isFinite(refusalKept);
        }
    }

    /** What refusal kept is measured against: the aligned model's refusal rate, or 1.0 (raw rates). */
    public record Reference(double alignedRefusal, boolean relative) {
    }

    /**
     * A method's point under the fair rule. {@code point} is null when none of its points is
     * eligible ({@code eligible == 0}); {@code driftReduction} is computed from refusal kept and
     * is NaN when standard LoRA did not drift.
     */
    public record FairPick(String method, String kind, Point point, int eligible, int total,
                           double taskDelta, double driftReduction) {
    }

    private ParetoFrontier() {
    }

    /** The aligned refusal rate as reference when it is a positive finite number, otherwise raw rates. */
    public static Reference reference(Summary summary) {
        Stat aligned = summary.aligned() == null ? null : summary.aligned().get(MetricNames.REFUSAL_UNSAFE);
        if (aligned != null && Double.isFinite(aligned.mean()) && aligned.mean() > 0) {
            return new Reference(aligned.mean(), true);
        }
        return new Reference(1.0, false);
    }

    /** {@code refusal / alignedRefusal}; NaN when the reference is not a positive finite number. */
    public static double refusalKept(double refusal, double alignedRefusal) {
        if (!(alignedRefusal > 0) || !Double.isFinite(alignedRefusal)) {
            return Double.NaN;
        }
        return refusal / alignedRefusal;
    }

    /** One point per method summary, in summary order (coordinates NaN where a metric is missing). */
    public static List<Point> points(Summary summary) {
        Reference ref = reference(summary);
        List<Point> out = new ArrayList<>();
        if (summary.methods() == null) {
            return out;
        }
        for (MethodSummary m : summary.methods()) {
            double task = ReportFormat.mean(m.metrics(), MetricNames.TASK_ACCURACY);
            double refusal = ReportFormat.mean(m.metrics(), MetricNames.REFUSAL_UNSAFE);
            out.add(new Point(m.method(), m.kind(), m.strength(), ReportFormat.label(m.method(), m.strength(), m.label()),
                task, refusalKept(refusal, ref.alignedRefusal()), m));
        }
        return out;
    }

    /** Whether {@code a} dominates {@code b} (see the class comment); false when either is not finite. */
    public static boolean dominates(Point a, Point b) {
        if (!a.finite() || !b.finite()) {
            return false;
        }
        boolean noWorse = a.taskAccuracy() >= b.taskAccuracy() && a.refusalKept() >= b.refusalKept();
        boolean better = a.taskAccuracy() > b.taskAccuracy() || a.refusalKept() > b.refusalKept();
        return noWorse && better;
    }

    /**
     * The non-dominated finite points, sorted by task accuracy ascending (then refusal kept
     * descending), i.e. in the order a frontier line is drawn.
     */
    public static List<Point> nonDominated(List<Point> points) {
        List<Point> front = new ArrayList<>();
        for (Point p : points) {
            if (!p.finite()) {
                continue;
            }
            boolean dominated = false;
            for (Point q : points) {
                if (q != p && dominates(q, p)) {
                    dominated = true;
                    break;
                }
            }
            if (!dominated) {
                front.add(p);
            }
        }
        front.sort(Comparator.comparingDouble(Point::taskAccuracy)
            .thenComparing(Comparator.comparingDouble(Point::refusalKept).reversed()));
        return front;
    }

    /** The points grouped by method, in order of first appearance. */
    public static Map<String, List<Point>> byMethod(List<Point> points) {
        Map<String, List<Point>> out = new LinkedHashMap<>();
        for (Point p : points) {
            out.computeIfAbsent(p.method(), k -> new ArrayList<>()).add(p);
        }
        return out;
    }

    /** Each method's own frontier across its strengths, methods in order of first appearance. */
    public static Map<String, List<Point>> frontierPerMethod(List<Point> points) {
        Map<String, List<Point>> out = new LinkedHashMap<>();
        byMethod(points).forEach((method, ps) -> out.put(method, nonDominated(ps)));
        return out;
    }

    /** The standard LoRA point: the first of kind {@code "lora"} with finite coordinates. */
    public static Optional<Point> baseline(List<Point> points) {
        return points.stream().filter(p -> MethodCatalog.isKind(p.kind(), Lora.KIND) && p.finite()).findFirst();
    }

    /** {@code 1 - (1 - kept) / (1 - keptLora)}; NaN when LoRA kept all (or more than) the reference refusal. */
    public static double driftReduction(double refusalKept, double loraRefusalKept) {
        double loraDrift = 1 - loraRefusalKept;
        if (!(loraDrift > 0)) {
            return Double.NaN;
        }
        return 1 - (1 - refusalKept) / loraDrift;
    }

    /** The best eligible point among {@code points} (see the class comment), if any. */
    public static Optional<Point> bestWithin(List<Point> points, Point lora, double tolerance) {
        Point best = null;
        for (Point p : points) {
            if (!eligible(p, lora, tolerance)) {
                continue;
            }
            if (best == null || p.refusalKept() > best.refusalKept()
                || (p.refusalKept() == best.refusalKept() && p.taskAccuracy() > best.taskAccuracy())) {
                best = p;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Slack for rounding in the tolerance test (0.80 - 0.10 is 0.7000000000000001 in doubles). */
    static final double SLACK = 1e-9;

    /** Whether {@code p} is finite and at most {@code tolerance} (plus 1e-9 rounding slack) below LoRA's task accuracy. */
    public static boolean eligible(Point p, Point lora, double tolerance) {
        return p.finite() && p.taskAccuracy() >= lora.taskAccuracy() - tolerance - SLACK;
    }

    /**
     * The fair comparison of every method (LoRA included, whose drift reduction is 0 by
     * definition), in order of first appearance; empty when there is no finite LoRA point.
     */
    public static List<FairPick> fairComparison(List<Point> points, double tolerance) {
        Optional<Point> base = baseline(points);
        if (base.isEmpty()) {
            return List.of();
        }
        Point lora = base.get();
        List<FairPick> out = new ArrayList<>();
        byMethod(points).forEach((method, ps) -> {
            int eligible = (int) ps.stream().filter(p -> eligible(p, lora, tolerance)).count();
            Point best = bestWithin(ps, lora, tolerance).orElse(null);
            String kind = ps.get(0).kind();
            out.add(new FairPick(method, kind, best, eligible, ps.size(),
                best == null ? Double.NaN : best.taskAccuracy() - lora.taskAccuracy(),
                best == null ? Double.NaN : driftReduction(best.refusalKept(), lora.refusalKept())));
        });
        return out;
    }
}
