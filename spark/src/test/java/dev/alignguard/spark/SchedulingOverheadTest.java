package dev.alignguard.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.pipeline.BaseModelCache;
import dev.alignguard.experiments.pipeline.LocalExecutor;
import dev.alignguard.experiments.pipeline.Study;
import dev.alignguard.experiments.pipeline.StudyContext;
import dev.alignguard.experiments.pipeline.Trial;
import dev.alignguard.experiments.pipeline.TrialExecutor;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.math.kernels.Backend;
import dev.alignguard.math.kernels.VectorKernels;

/**
 * The per-trial cost of running on Spark local[2] instead of the local executor's two threads: the
 * tiny spec at 2 methods x 8 seeds (16 trials), bases built beforehand, each executor timed
 * alternately over several rounds (medians). Opt-in, it is a measurement:
 * {@code ./mvnw -o -pl spark -am test -Dtest=SchedulingOverheadTest -Dsurefire.failIfNoSpecifiedTests=false -Dalignguard.spark.bench=true}.
 */
@EnabledIfSystemProperty(named = "alignguard.spark.bench", matches = "true")
class SchedulingOverheadTest {

    @TempDir
    Path dir;

    @Test
    void perTrialOverhead() throws IOException {
        int rounds = Integer.getInteger("alignguard.spark.bench.rounds", 5);
        ExperimentSpec spec = SparkExecutorTest.readTiny().withSeedCount(8);
        List<Trial> trials = Study.expand(spec);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        BaseModelCache bases = new BaseModelCache(quiet);
        bases.get(spec, spec.firstBaseSeed(), new VectorKernels(2));
        StudyContext context = new StudyContext(dir, quiet, bases, new Backend("vector", 2));
        TrialExecutor local = new LocalExecutor(2);
        TrialExecutor spark = new SparkExecutor(SharedSpark.context());
        time(local, trials, context); // warm-up: JIT, and Spark's first jobs
        time(spark, trials, context);
        double[] l = new double[rounds];
        double[] s = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            l[r] = time(local, trials, context);
            s[r] = time(spark, trials, context);
        }
        double lm = median(l);
        double sm = median(s);
        System.out.printf(Locale.ROOT, "%d trials, %d rounds: local[2] median %.3f s %s; spark %s median %.3f s %s%n",
            trials.size(), rounds, lm, Arrays.toString(l), spark.name(), sm, Arrays.toString(s));
        System.out.printf(Locale.ROOT, "per-trial overhead of Spark: %.1f ms ((spark - local) / trials); mean trial %.0f ms on 2 slots%n",
            (sm - lm) * 1000 / trials.size(), lm * 1000 * 2 / trials.size());
    }

    private static double time(TrialExecutor e, List<Trial> trials, StudyContext context) {
        long t0 = System.nanoTime();
        var out = e.run(trials, context);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(trials.size(), out.size());
        out.forEach(o -> assertEquals(null, o.record().error()));
        return seconds;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
