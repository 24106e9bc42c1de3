package dev.alignguard.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.spark.SparkConf;

import dev.alignguard.experiments.cli.VersionProvider;
import dev.alignguard.experiments.pipeline.Study;
import dev.alignguard.experiments.report.Reports;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.Presets;
import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import dev.alignguard.experiments.cli.AlignGuardCli;
import dev.alignguard.experiments.cli.RunCommand;

/**
 * {@code alignguard-spark run <preset|spec> [--seeds N] [--out DIR]}: a study whose trials run on
 * Spark. The main class of the cluster jar (for {@code spark-submit --class}) and of the
 * {@code ./alignguard-spark} launcher (embedded {@code local[N]}).
 */
@Command(name = "alignguard-spark", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "AlignGuard-J studies with the trials as Spark tasks.", subcommands = SparkMain.Run.class)
public final class SparkMain implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(AlignGuardCli.execute(new SparkMain(), args));
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a study (a preset name or a spec file) on Spark; write summary.json, report.md, plots and logs.")
    static final class Run implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "PRESET|SPEC", description = "A preset or a spec JSON file.")
        String target;

        @Option(names = "--seeds", description = "Use seeds 1..N instead of the spec's.")
        Integer seeds;

        @Option(names = "--out", description = "Output directory on the driver (default: results/<name>).")
        Path out;

        @Option(names = "--workers", description = "Embedded mode: trials in parallel, the N of local[N] (default: the cores).")
        Integer workers;

        @Option(names = "--master", description = "Spark master URL (default: spark.master if set, e.g. by spark-submit; else embedded local[N]).")
        String master;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Extra Spark settings, e.g. --conf spark.task.maxFailures=3.")
        Map<String, String> conf = new LinkedHashMap<>();

        @Option(names = "--executor", hidden = true, description = "Accepted for 'alignguard run' compatibility; must be spark.")
        String executor = "spark";

        @Override
        public Integer call() throws Exception {
            if (!executor.equalsIgnoreCase("spark")) {
                throw new IllegalArgumentException("alignguard-spark runs trials on Spark only (--executor " + executor
                    + "); use ./alignguard for --executor local");
            }
            ExperimentSpec spec = Presets.resolve(target);
            if (seeds != null) {
                spec = spec.withSeedCount(seeds);
            }
            Path dir = out != null ? out : Path.of("results", spec.name());
            Files.createDirectories(dir);
            Kernels kernels = Backends.selected();
            System.out.println("AlignGuard-J " + VersionProvider.version() + " on Spark — " + Backends.describe(kernels));
            SparkConf sparkConf = new SparkConf();
            conf.forEach(sparkConf::set);
            if (master != null) {
                sparkConf.setMaster(master);
            }
            int w = workers != null ? workers : Runtime.getRuntime().availableProcessors();
            try (SparkExecutor exec = new SparkExecutor(SparkExecutor.configure(sparkConf, w))) {
                Summary summary = new Study(spec, VersionProvider.version(), VersionProvider.gitCommit())
                    .run(exec, dir, System.out, kernels);
                Reports.writeAll(summary, dir);
                RunCommand.printTable(summary);
                System.out.println("wrote " + dir.resolve("summary.json") + ", " + dir.resolve("report.md") + " and plots in "
                    + String.format(Locale.ROOT, "%.0f s", summary.wallSeconds()));
                return summary.failures().isEmpty() ? 0 : 3;
            }
        }
    }
}
