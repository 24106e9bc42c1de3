package dev.alignguard.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.spark.SparkConf;

import dev.alignguard.experiments.cli.AlignGuardCli;
import dev.alignguard.experiments.cli.StudyLaunch;
import dev.alignguard.experiments.cli.VersionProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

        @Mixin
        StudyLaunch.Options options = new StudyLaunch.Options();

        @Option(names = "--master",
            description = "Spark master URL (default: spark.master if set, e.g. by spark-submit; else embedded local[N]).")
        String master;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Extra Spark settings, e.g. --conf spark.task.maxFailures=3"
            + " (never the secret: set ALIGNGUARD_SPARK_SECRET_FILE).")
        Map<String, String> conf = new LinkedHashMap<>();

        @Option(names = "--executor", hidden = true, description = "Accepted for 'alignguard run' compatibility; must be spark.")
        String executor = "spark";

        @Override
        public Integer call() throws Exception {
            if (!executor.equalsIgnoreCase("spark")) {
                throw new IllegalArgumentException("alignguard-spark runs trials on Spark only (--executor " + executor
                    + "); use ./alignguard for --executor local");
            }
            if (conf.keySet().stream().anyMatch(k -> k.strip().equals(SparkSecurity.SECRET_KEY))) {
                throw new IllegalArgumentException("--conf " + SparkSecurity.SECRET_KEY + " puts the secret on the command"
                    + " line, where every user of this machine can read it; put it in a file only you can read (chmod 600)"
                    + " and set " + SparkSecurity.SECRET_FILE_ENV + "=FILE, or set " + SparkSecurity.SECRET_ENV);
            }
            return StudyLaunch.run(options, " on Spark", workers -> {
                SparkConf sparkConf = new SparkConf();
                conf.forEach(sparkConf::set);
                if (master != null) {
                    sparkConf.setMaster(master);
                }
                return new SparkExecutor(SparkExecutor.configure(sparkConf, workers));
            }, System.out);
        }
    }
}
