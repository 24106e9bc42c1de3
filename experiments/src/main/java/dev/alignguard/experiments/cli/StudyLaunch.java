package dev.alignguard.experiments.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntFunction;

import dev.alignguard.experiments.pipeline.Keep;
import dev.alignguard.experiments.pipeline.ResumingExecutor;
import dev.alignguard.experiments.pipeline.RunFolder;
import dev.alignguard.experiments.pipeline.Study;
import dev.alignguard.experiments.pipeline.StudyMemory;
import dev.alignguard.experiments.pipeline.TrialExecutor;
import dev.alignguard.experiments.report.Reports;
import dev.alignguard.experiments.report.SummaryFiles;
import dev.alignguard.experiments.results.ContinualResult;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.Presets;
import dev.alignguard.experiments.spec.SpecCheck;
import dev.alignguard.math.kernels.Backend;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The one launch path of a study, shared by {@code alignguard run} and the Spark launcher: the
 * options they have in common, then spec, output folder, kernels, study, report, table.
 */
public final class StudyLaunch {

    private StudyLaunch() {
    }

    /** The options every study launcher takes. */
    public static final class Options {

        @Parameters(index = "0", paramLabel = "PRESET|SPEC", description = "A preset (see 'alignguard presets') or a spec JSON file.")
        String target;

        @Option(names = "--seeds", description = "Use fine-tune seeds 1..N instead of the spec's.")
        Integer seeds;

        @Option(names = "--base-seeds", description = "Use N base seeds (the spec's first and the N - 1 after it).")
        Integer baseSeeds;

        @Option(names = "--out", description = "The run folder (default: results/<name>, or results/<name>-2, ... when that"
            + " holds another run). Running the same command again resumes a run cut short.")
        Path out;

        @Option(names = "--fresh", description = "Discard what an earlier run stored in the run folder and start over (needed"
            + " when the spec or the version changed).")
        boolean fresh;

        @Option(names = "--force", description = "Also write into a folder that holds files but no run (its summary, report,"
            + " plots, logs and stored state are replaced; other files are left alone).")
        boolean force;

        @Option(names = "--keep", defaultValue = "bases", paramLabel = "none|bases|all",
            description = "What the run folder keeps once the run has finished: none (results, logs, trial records), bases (default:"
                + " per base seed the unaligned and aligned model folders, Hugging Face layout with tokenizer.json, and the"
                + " alignment set) or all (also every trial's adapter as a peft folder). Changes no number.")
        String keep = "bases";

        @Option(names = "--workers", description = "Trials run in parallel (default: the cores).")
        Integer workers;

        @Mixin
        BackendOptions kernels = new BackendOptions();

        @Option(names = "--verbose", description = "Also log the detail (each Fisher estimate's raw scale and spectrum).")
        void verbose(boolean on) {
            ConsoleLogging.configure(on);
        }
    }

    /**
     * Checks the spec, the command line and the run folder (everything that can be checked before
     * anything trains: {@link SpecCheck}, {@link StudyMemory}, {@link RunFolder}), then runs the study
     * the options name on the executor made for the worker count, resuming what an earlier run of the
     * same spec left in the folder, writes summary, report and plots, prints the comparison table.
     * Returns 0, or 3 when some trial failed for good.
     *
     * @param where words after the version in the start-up line (e.g. " on Spark"), or ""
     */
    public static int run(Options o, String where, IntFunction<TrialExecutor> executorFor, PrintStream out)
        throws Exception {
        // everything that can be checked from the spec and the command line, before anything trains
        ExperimentSpec spec = spec(o);
        String source = Presets.source(o.target);
        Keep keep = Keep.parse(o.keep);
        if (spec.data() != null) { // the files the run will read, as resolved (a spec file's relative paths: its folder)
            spec.data().resolvedFiles().forEach((stage, file) -> out.println("data " + stage + ": " + file));
        }
        SpecCheck.check(spec, source);
        Backend backend = o.kernels.backend();
        int w = workers(o);
        StudyMemory.check(spec, w, Runtime.getRuntime().maxMemory(), source);
        RunFolder.Identity id = RunFolder.Identity.of(spec, VersionProvider.version(), backend);
        Path dir = o.out;
        if (dir == null) {
            dir = RunFolder.defaultFolder(Path.of("results"), spec.name(), id);
            if (!dir.equals(Path.of("results", spec.name()))) {
                out.println(Path.of("results", spec.name()) + " holds another run; this one writes to " + dir);
            }
        }
        try (RunFolder folder = RunFolder.open(dir, id, o.fresh, o.force, out).keep(keep)) {
            out.println(o.kernels.describe(backend, backend.create()) + where);
            try (ResumingExecutor exec = new ResumingExecutor(executorFor.apply(w), folder)) {
                Summary summary = new Study(spec, VersionProvider.version(), VersionProvider.gitCommit()).baseStore(folder)
                    .run(exec, dir, out, backend);
                write(summary, dir);
                folder.discardUnkept();
                folder.markFinished();
                printTable(summary, out);
                printContinual(summary, out);
                out.println("wrote " + dir.resolve("summary.json") + ", " + dir.resolve("report.md") + " and plots in "
                    + String.format(Locale.ROOT, "%.0f s", summary.wallSeconds())
                    + (exec.resumed() > 0 ? " (" + exec.resumed() + " trial(s) kept from an earlier run, " + exec.ran() + " run now)"
                        : ""));
                return summary.failures().isEmpty() ? 0 : 3;
            }
        }
    }

    /** The spec the options name, with their seed counts applied; checks --workers. */
    static ExperimentSpec spec(Options o) throws IOException {
        ExperimentSpec spec = Presets.resolve(o.target);
        if (o.seeds != null) {
            spec = spec.withSeedCount(o.seeds);
        }
        if (o.baseSeeds != null) {
            spec = spec.withBaseSeedCount(o.baseSeeds);
        }
        if (o.workers != null && o.workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + o.workers);
        }
        return spec;
    }

    /** The trials run at once: --workers, or the cores. */
    static int workers(Options o) {
        return o.workers != null ? o.workers : Runtime.getRuntime().availableProcessors();
    }

    private static void write(Summary summary, Path dir) throws IOException {
        Reports.writeAll(summary, dir);
    }

    /** The comparison table printed at the end of a run. */
    public static void printTable(Summary s, PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "%-34s %-17s %-17s %-17s %-17s %-17s%n", "method", "refusal(unsafe)", "over-refusal",
            "task accuracy", "drift", "drift reduction");
        Stat ar = s.aligned().get("refusal_unsafe");
        out.printf(Locale.ROOT, "%-34s %-17s %-17s %-17s%n", "aligned model", fmt(ar), fmt(s.aligned().get("over_refusal_safe")),
            fmt(s.aligned().get("task_accuracy")));
        for (MethodSummary m : s.methods()) {
            out.printf(Locale.ROOT, "%-34s %-17s %-17s %-17s %-17s %-17s%n", m.label(), fmt(m.metrics().get("refusal_unsafe")),
                fmt(m.metrics().get("over_refusal_safe")), fmt(m.metrics().get("task_accuracy")), fmt(m.metrics().get("drift")),
                fmt(m.metrics().get("drift_reduction")));
        }
        if (!s.failures().isEmpty()) {
            out.println(s.failures().size() + " trial(s) failed; see summary.json and report.md");
        }
    }

    /** A sequential study's cumulative drift per method after each task (the report has the rest); nothing for other studies. */
    static void printContinual(Summary s, PrintStream out) throws IOException {
        com.fasterxml.jackson.databind.JsonNode node = s.analyses() == null ? null : s.analyses().get(ContinualResult.KEY);
        if (node == null) {
            return;
        }
        ContinualResult r = SummaryFiles.mapper().treeToValue(node, ContinualResult.class);
        out.println();
        out.printf(Locale.ROOT, "%-58s", "cumulative drift after task");
        for (int k = 1; k <= r.tasks(); k++) {
            out.printf(Locale.ROOT, " %-17s", k);
        }
        out.println();
        for (ContinualResult.Method m : r.methods()) {
            out.printf(Locale.ROOT, "%-58s", m.label() + " [" + m.adapter() + ", " + m.fisher() + "]");
            for (int k = 1; k <= r.tasks(); k++) {
                out.printf(Locale.ROOT, " %-17s", fmt(m.at(k, "drift")));
            }
            out.println();
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
