package dev.alignguard.experiments.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.alignguard.experiments.pipeline.LocalExecutor;
import dev.alignguard.experiments.pipeline.Study;
import dev.alignguard.experiments.pipeline.TrialExecutor;
import dev.alignguard.experiments.report.Reports;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.Presets;
import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code alignguard run <preset|spec.json>}: the main job. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a study (a preset name or a spec file) and write summary.json, report.md, plots and logs.")
public final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PRESET|SPEC", description = "A preset (see 'alignguard presets') or a spec JSON file.")
    String target;

    @Option(names = "--seeds", description = "Use seeds 1..N instead of the spec's.")
    Integer seeds;

    @Option(names = "--out", description = "Output directory (default: results/<name>).")
    Path out;

    @Option(names = "--workers", description = "Trials run in parallel (default: the cores).")
    Integer workers;

    @Option(names = "--executor", defaultValue = "local", description = "local (default) or spark.")
    String executor;

    @Override
    public Integer call() throws IOException {
        ExperimentSpec spec = Presets.resolve(target);
        if (seeds != null) {
            spec = spec.withSeedCount(seeds);
        }
        Path dir = out != null ? out : Path.of("results", spec.name());
        Files.createDirectories(dir);
        Kernels kernels = Backends.selected();
        System.out.println("AlignGuard-J " + VersionProvider.version() + " — " + Backends.describe(kernels));
        int w = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        TrialExecutor exec = switch (executor.toLowerCase(Locale.ROOT)) {
            case "local" -> new LocalExecutor(w);
            case "spark" -> SparkBridge.executor(w);
            default -> throw new IllegalArgumentException("--executor must be local or spark, got " + executor);
        };
        Summary summary = new Study(spec, VersionProvider.version(), VersionProvider.gitCommit()).run(exec, dir, System.out, kernels);
        Reports.writeAll(summary, dir);
        printTable(summary);
        System.out.println("wrote " + dir.resolve("summary.json") + ", " + dir.resolve("report.md") + " and plots in "
            + String.format(Locale.ROOT, "%.0f s", summary.wallSeconds()));
        return summary.failures().isEmpty() ? 0 : 3;
    }

    /** The comparison table printed at the end of a run (shared with the Spark launcher). */
    public static void printTable(Summary s) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-34s %-17s %-17s %-17s %-17s %-17s%n", "method", "refusal(unsafe)", "over-refusal",
            "task accuracy", "drift", "drift reduction");
        Stat ar = s.aligned().get("refusal_unsafe");
        System.out.printf(Locale.ROOT, "%-34s %-17s %-17s %-17s%n", "aligned model", fmt(ar), fmt(s.aligned().get("over_refusal_safe")),
            fmt(s.aligned().get("task_accuracy")));
        for (MethodSummary m : s.methods()) {
            System.out.printf(Locale.ROOT, "%-34s %-17s %-17s %-17s %-17s %-17s%n", m.label(), fmt(m.metrics().get("refusal_unsafe")),
                fmt(m.metrics().get("over_refusal_safe")), fmt(m.metrics().get("task_accuracy")), fmt(m.metrics().get("drift")),
                fmt(m.metrics().get("drift_reduction")));
        }
        if (!s.failures().isEmpty()) {
            System.out.println(s.failures().size() + " trial(s) failed; see summary.json and report.md");
        }
    }

    static String fmt(Stat st) {
        if (st == null || Double.isNaN(st.mean())) {
            return "n/a";
        }
        return Double.isNaN(st.ci95()) ? String.format(Locale.ROOT, "%.3f", st.mean())
            : String.format(Locale.ROOT, "%.3f ± %.3f", st.mean(), st.ci95());
    }
}
