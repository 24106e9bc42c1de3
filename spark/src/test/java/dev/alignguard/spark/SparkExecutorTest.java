package dev.alignguard.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.pipeline.LocalExecutor;
import dev.alignguard.experiments.pipeline.Study;
import dev.alignguard.experiments.pipeline.StudyContext;
import dev.alignguard.experiments.pipeline.Trial;
import dev.alignguard.experiments.pipeline.TrialAdapter;
import dev.alignguard.experiments.pipeline.TrialExecutor;
import dev.alignguard.experiments.pipeline.TrialRunner;
import dev.alignguard.experiments.report.SummaryFiles;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.math.kernels.Backend;

/**
 * The Spark executor against the local one on a tiny sweep (2 methods x 2 seeds): the same summary
 * bit for bit (only timings may differ), with the bases shared from the driver and rebuilt on the
 * executor; and a sweep where one trial fails for good and one fails once.
 */
class SparkExecutorTest {

    @TempDir
    static Path dir;

    static ExperimentSpec tiny;
    static Run local;

    /** What a study run produced: the summary and the outcomes the executor returned. */
    record Run(Summary summary, List<TrialRunner.Outcome> outcomes, Path runDir, double executorSeconds) {
    }

    /** Passes the trials through and keeps the outcomes (and the time the executor took). */
    static final class Recording implements TrialExecutor {
        final TrialExecutor inner;
        List<TrialRunner.Outcome> outcomes;
        double seconds;

        Recording(TrialExecutor inner) {
            this.inner = inner;
        }

        @Override
        public List<TrialRunner.Outcome> run(List<Trial> trials, StudyContext context) {
            long t0 = System.nanoTime();
            outcomes = inner.run(trials, context);
            seconds = (System.nanoTime() - t0) / 1e9;
            return outcomes;
        }

        @Override
        public String name() {
            return inner.name();
        }
    }

    static ExperimentSpec readTiny() throws IOException {
        try (InputStream in = SparkExecutorTest.class.getResourceAsStream("tiny.json")) {
            return ExperimentSpec.parse(in, "tiny.json");
        }
    }

    static Run run(ExperimentSpec spec, TrialExecutor executor, String name) {
        Recording rec = new Recording(executor);
        Path runDir = dir.resolve(name);
        Summary s = new Study(spec, "test", "test").run(rec, runDir, System.out, new Backend("vector", 2));
        System.out.printf("%s: %d trials on %s in %.2f s%n", name, rec.outcomes.size(), executor.name(), rec.seconds);
        return new Run(s, rec.outcomes, runDir, rec.seconds);
    }

    @BeforeAll
    static void localReference() throws IOException {
        tiny = readTiny();
        SharedSpark.context(); // start Spark before any timing
        local = run(tiny, new LocalExecutor(2), "local");
    }

    @AfterEach
    void clearFaults() {
        TrialFunction.faults = null;
    }

    /** summary.json without what may differ between runs: wall time and per-trial seconds. */
    static String comparable(Summary s) throws IOException {
        ObjectNode root = (ObjectNode) SummaryFiles.mapper().readTree(SummaryFiles.toJson(s));
        root.remove("wall_seconds");
        for (String list : List.of("trials", "failures")) {
            for (JsonNode t : (ArrayNode) root.get(list)) {
                ((ObjectNode) t).remove("seconds");
            }
        }
        return SummaryFiles.mapper().writeValueAsString(root);
    }

    static void assertSameRun(Run expected, Run actual) throws IOException {
        assertEquals(comparable(expected.summary()), comparable(actual.summary()));
        assertEquals(expected.outcomes().size(), actual.outcomes().size());
        for (int i = 0; i < expected.outcomes().size(); i++) {
            Map<String, float[]> e = expected.outcomes().get(i).finalAlignmentUpdates();
            Map<String, float[]> a = actual.outcomes().get(i).finalAlignmentUpdates();
            assertEquals(new ArrayList<>(e.keySet()), new ArrayList<>(a.keySet()), "layers of trial " + i);
            for (String layer : e.keySet()) {
                assertArrayEquals(e.get(layer), a.get(layer), "alignment update of " + layer + ", trial " + i);
            }
            TrialAdapter ae = expected.outcomes().get(i).adapter(), aa = actual.outcomes().get(i).adapter();
            assertEquals(ae == null, aa == null, "an adapter comes back for trial " + i);
            if (ae != null) { // shipped back from the executor for the run folder to keep (--keep all)
                assertEquals(ae.config(), aa.config(), "adapter config of trial " + i);
                assertEquals(ae.dense(), aa.dense());
                assertEquals(new ArrayList<>(ae.adapters().keySet()), new ArrayList<>(aa.adapters().keySet()));
                for (String module : ae.adapters().keySet()) {
                    assertArrayEquals(ae.adapters().get(module).a().data(), aa.adapters().get(module).a().data(), module + " A");
                    assertArrayEquals(ae.adapters().get(module).b().data(), aa.adapters().get(module).b().data(), module + " B");
                    assertEquals(ae.adapters().get(module).scaling(), aa.adapters().get(module).scaling());
                }
            }
            TrialRecord re = expected.outcomes().get(i).record();
            TrialRecord ra = actual.outcomes().get(i).record();
            assertEquals(re.metrics(), ra.metrics(), "trial " + i);
            assertEquals(re.log(), ra.log());
            if (re.log() != null) {
                assertEquals(steps(expected.runDir().resolve(re.log())), steps(actual.runDir().resolve(ra.log())),
                    "per-step log of trial " + i);
            }
        }
    }

    /** A trial log without its timing field. */
    static List<String> steps(Path log) throws IOException {
        assertTrue(Files.exists(log), "log " + log);
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            ObjectNode o = (ObjectNode) SummaryFiles.mapper().readTree(line);
            o.remove("tokens_per_second");
            out.add(o.toString());
        }
        return out;
    }

    @Test
    void sparkSweepEqualsLocalBitForBit() throws IOException {
        assertTrue(local.summary().failures().isEmpty(), () -> "local failures: " + local.summary().failures());
        assertEquals(4, local.outcomes().size());
        SparkExecutor spark = new SparkExecutor(SharedSpark.context());
        Run onSpark = run(tiny, spark, "spark");
        assertSameRun(local, onSpark);
        assertArrayEquals(new int[] {0, 0, 0, 0}, spark.lastAttempts());
        System.out.printf("per-trial overhead of Spark local[2] vs local[2]: %.1f ms (%.2f s vs %.2f s for %d trials)%n",
            (onSpark.executorSeconds() - local.executorSeconds()) * 1000 / local.outcomes().size(),
            onSpark.executorSeconds(), local.executorSeconds(), local.outcomes().size());
    }

    /** The cluster path: every task rebuilds its bases in a per-JVM cache, with one-thread kernels. */
    @Test
    void basesRebuiltOnTheExecutorGiveTheSameNumbers() throws IOException {
        Run onSpark = run(tiny, new SparkExecutor(SharedSpark.context()).shareDriverBases(false), "spark-rebuilt");
        assertSameRun(local, onSpark);
    }

    /**
     * One trial fails for good (its method's override sets a fine-tuning learning rate of 1e6: the
     * trial diverges, on every attempt), one fails once (an injected fault on its first attempt): Spark
     * retries both, the second succeeds, the first becomes a failure record after its last attempt,
     * and the sweep completes with the local executor's numbers.
     */
    @Test
    void aTrialThatFailsForGoodIsReportedAndTheSweepCompletes() throws IOException {
        List<MethodSpec> methods = new ArrayList<>(tiny.methods());
        methods.add(MethodSpec.fromJson("broken", "alignguard", List.of(1.0), null,
            Map.of("finetune.training.learning_rate", ExperimentSpec.JSON.getNodeFactory().numberNode(1e6))));
        ExperimentSpec spec = new ExperimentSpec("spark-failure", "", tiny.baseSeeds(), List.of(1L), tiny.world(),
            tiny.model(), tiny.pretrain(), tiny.align(), tiny.finetune(), tiny.fisher(), methods, List.of(), null, null);
        assertEquals(3, Study.expand(spec).size(), "the bad override must pass expansion and fail inside the trial");

        Run reference = run(spec, new LocalExecutor(2), "local-failure");
        SparkExecutor spark = new SparkExecutor(SharedSpark.context());
        assertEquals(2, spark.maxAttempts());
        TrialFunction.faults = (trial, attempt) -> trial == 1 && attempt == 0;
        Run onSpark = run(spec, spark, "spark-failure");

        assertArrayEquals(new int[] {0, 1, 1}, spark.lastAttempts(), "trial 1 retried once, trial 2 failed on its last attempt");
        List<TrialRecord> failures = onSpark.summary().failures();
        assertEquals(1, failures.size());
        assertEquals("broken", failures.getFirst().method());
        assertTrue(failures.getFirst().error().contains("training diverged in stage finetune"), failures.getFirst().error());
        assertTrue(failures.getFirst().log().matches("logs/broken-1\\.0-base\\d+-seed1\\.failed\\.jsonl"), failures.getFirst().log());
        assertTrue(java.nio.file.Files.size(onSpark.runDir().resolve(failures.getFirst().log())) > 0,
            "the failed trial's log came back from the executor");
        for (MethodSummary m : onSpark.summary().methods()) {
            if (!m.method().equals("broken")) {
                assertFalse(Double.isNaN(m.metrics().get("task_accuracy").mean()), m.label());
            }
        }
        assertSameRun(reference, onSpark);
    }

    @Test
    void attemptsFollowTheMaster() {
        var conf = new org.apache.spark.SparkConf(false);
        assertEquals(1, SparkExecutor.maxAttempts("local", conf));
        assertEquals(1, SparkExecutor.maxAttempts("local[4]", conf));
        assertEquals(1, SparkExecutor.maxAttempts("local[*]", conf));
        assertEquals(3, SparkExecutor.maxAttempts("local[4,3]", conf));
        assertEquals(2, SparkExecutor.maxAttempts("local[*, 2]", conf));
        assertEquals(4, SparkExecutor.maxAttempts("spark://master:7077", conf));
        assertEquals(6, SparkExecutor.maxAttempts("yarn", conf.clone().set("spark.task.maxFailures", "6")));
        assertEquals("local[3,2]", SparkExecutor.configure(new org.apache.spark.SparkConf(false), 3).get("spark.master"));
        assertEquals("local[3,5]", SparkExecutor.configure(new org.apache.spark.SparkConf(false)
            .set("spark.task.maxFailures", "5"), 3).get("spark.master"));
        assertEquals("yarn", SparkExecutor.configure(new org.apache.spark.SparkConf(false).setMaster("yarn"), 3).get("spark.master"));
    }

    @Test
    void trialsRoundTripExactly() {
        for (Trial t : Study.expand(tiny)) {
            Trial back = TrialTask.of(t).toTrial();
            assertEquals(t, back);
            assertNotNull(back.spec());
        }
    }

    @Test
    void jobFailureMessagesDropTheDriverStackTrace() {
        assertEquals("Job aborted due to stage failure: lost",
            SparkExecutor.sparkMessage(new RuntimeException("Job aborted due to stage failure: lost\nDriver stacktrace:\n\tat x")));
    }
}
