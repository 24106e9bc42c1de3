package dev.alignguard.experiments.cli;

import java.util.Locale;
import java.util.concurrent.Callable;

import dev.alignguard.experiments.pipeline.LocalExecutor;
import dev.alignguard.experiments.pipeline.TrialExecutor;
import dev.alignguard.experiments.pipeline.TrialExecutorProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code alignguard run <preset|spec.json>}: the main job. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a study (a preset name or a spec file) and write summary.json, report.md, plots and logs.")
public final class RunCommand implements Callable<Integer> {

    @Mixin
    StudyLaunch.Options options = new StudyLaunch.Options();

    @Option(names = "--executor", defaultValue = "local",
        description = "local (default), or an executor module on the class path (spark: see ./alignguard-spark).")
    String executor;

    @Override
    public Integer call() throws Exception {
        return StudyLaunch.run(options, "", this::executor, System.out);
    }

    private TrialExecutor executor(int workers) {
        if (executor.equalsIgnoreCase("local")) {
            return new LocalExecutor(workers);
        }
        return TrialExecutorProvider.find(executor.toLowerCase(Locale.ROOT))
            .orElseThrow(() -> new IllegalArgumentException("--executor " + executor + " is not on the class path"
                + (executor.equalsIgnoreCase("spark") ? "; run through ./alignguard-spark (or ./alignguard run ... "
                    + "--executor spark, which hands over to it), see spark/README.md" : "; expected local or spark")))
            .create(workers);
    }
}
