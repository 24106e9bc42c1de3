package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.cli.AlignGuardCli;
import dev.alignguard.experiments.report.SummaryFiles;
import dev.alignguard.experiments.results.ContinualResult;
import dev.alignguard.experiments.results.StageMetrics;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.Presets;
import dev.alignguard.experiments.spec.SequenceSpec;
import dev.alignguard.experiments.world.World;
import picocli.CommandLine;

/**
 * Issue 14, part 3: a tiny sequential study end to end through {@code alignguard run} (three tasks,
 * merged and continued adapters, fixed and re-estimated Fisher), its summary, report and figure, and
 * the run resumed from its folder.
 */
class ContinualStudyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path specFile;
    static Path out;
    static String firstRun;
    static Summary summary;
    static ContinualResult result;

    /** The tiny test study as a 3-task sequence: 6 task verbs, 12 steps per task, five methods, two bases. */
    static ObjectNode tinyContinual() throws IOException {
        ObjectNode s = (ObjectNode) JSON.readTree(Path.of("src/test/resources/tiny-study.json").toFile());
        s.put("name", "tiny-continual");
        ((ObjectNode) s.get("world")).put("task_verbs", 6);
        ((ObjectNode) s.get("finetune")).put("eval_every", 0);
        ((ObjectNode) s.get("pretrain")).put("steps", 300); // long enough for the tiny model to learn to refuse
        ((ObjectNode) s.get("align")).put("steps", 120);
        s.putArray("analyses");
        ArrayNode methods = s.putArray("methods");
        methods.addObject().put("name", "lora").put("kind", "lora");
        ObjectNode ag = methods.addObject().put("name", "alignguard").put("kind", "alignguard");
        ag.putArray("strengths").add(1.0);
        ag.putObject("params").put("lambda_t", 0.001).put("lambda_nc", 0.1);
        ObjectNode re = ag.deepCopy().put("name", "alignguard_reestimate");
        re.putObject("overrides").put("sequence.fisher", "reestimate");
        methods.add(re);
        methods.addObject().put("name", "ewc").put("kind", "ewc").putArray("strengths").add(1.0);
        methods.addObject().put("name", "lora_continue").put("kind", "lora").putObject("overrides").put("sequence.adapter",
            "continue");
        s.putObject("sequence").put("tasks", 3).put("adapter", "merge").put("fisher", "fixed");
        return s;
    }

    static String alignguard(String... args) {
        StringWriter text = new StringWriter();
        CommandLine cli = AlignGuardCli.commandLine(new AlignGuardCli());
        cli.setOut(new PrintWriter(text, true));
        cli.setErr(new PrintWriter(text, true));
        int code = cli.execute(args);
        assertEquals(0, code, text::toString);
        return text.toString();
    }

    @BeforeAll
    static void runOnce(@TempDir Path dir) throws IOException {
        specFile = dir.resolve("tiny-continual.json");
        Files.writeString(specFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tinyContinual()));
        out = dir.resolve("run");
        alignguard("run", specFile.toString(), "--out", out.toString(), "--workers", "2", "--backend", "vector", "--threads", "1");
        firstRun = Files.readString(out.resolve("summary.json"));
        summary = SummaryFiles.read(out.resolve("summary.json"));
        result = SummaryFiles.mapper().treeToValue(summary.analyses().get(ContinualResult.KEY), ContinualResult.class);
    }

    @Test
    void everyMethodIsTrackedAtEveryStage() {
        assertTrue(summary.failures().isEmpty(), () -> "failures: " + summary.failures());
        assertEquals(10, summary.trials().size()); // 5 methods x 2 base seeds
        assertEquals(3, result.tasks());
        assertEquals(List.of("lora", "alignguard", "alignguard_reestimate", "ewc", "lora_continue"),
            result.methods().stream().map(ContinualResult.Method::method).toList());
        assertEquals("reestimate", result.methods().get(2).fisher());
        assertEquals("continue", result.methods().get(4).adapter());
        for (ContinualResult.Method m : result.methods()) {
            assertEquals(4, m.stages().size(), m.label()); // the aligned model, then after each of 3 tasks
            assertEquals(0.0, m.at(0, "drift").mean(), m.label());
            for (int s = 0; s <= 3; s++) {
                for (int k = 1; k <= 3; k++) {
                    Stat acc = m.at(s, StageMetrics.taskAccuracy(k));
                    assertEquals(2, acc.values().length, m.label() + " stage " + s + " task " + k + ": one value per base");
                    assertTrue(acc.mean() >= 0 && acc.mean() <= 1, m.label());
                }
                assertEquals(2, m.at(s, "refusal_unsafe").values().length);
            }
            for (int s = 1; s <= 3; s++) {
                double refusal = m.at(s, "refusal_unsafe").mean();
                assertEquals(m.at(0, "refusal_unsafe").mean() - refusal, m.at(s, "drift").mean(), 1e-12, "drift is cumulative");
            }
        }
    }

    @Test
    void theModesDivergeOnlyAfterTheFirstTask() {
        // task 1 starts from the aligned model in every mode: same adapter seed, same Fisher, same data
        Map<String, TrialRecord> byMethod = new java.util.HashMap<>();
        for (TrialRecord r : summary.trials()) {
            if (r.baseSeed() == 7) {
                byMethod.put(r.method(), r);
            }
        }
        for (String[] pair : new String[][] {{"lora", "lora_continue"}, {"alignguard", "alignguard_reestimate"}}) {
            TrialRecord a = byMethod.get(pair[0]), b = byMethod.get(pair[1]);
            for (String metric : List.of("refusal_unsafe", "alignment_nll", StageMetrics.taskAccuracy(1))) {
                assertEquals(a.metrics().get(StageMetrics.at(1, metric)), b.metrics().get(StageMetrics.at(1, metric)),
                    pair[0] + " vs " + pair[1] + " after task 1: " + metric);
            }
            // after task 3 the weights differ, and the refusal NLL (a continuous function of them) with them
            assertNotEquals(a.metrics().get(StageMetrics.at(3, "alignment_nll")), b.metrics().get(StageMetrics.at(3, "alignment_nll")),
                pair[0] + " vs " + pair[1] + " after task 3");
        }
    }

    @Test
    void pairedDriftDifferencesAreAgainstAlignGuardOnTheSameSeeds() {
        assertEquals("alignguard", result.pairedWith());
        ContinualResult.Method lora = result.methods().get(0);
        ContinualResult.Method ag = result.methods().get(1);
        for (int s = 1; s <= 3; s++) {
            assertEquals(0.0, ag.at(s, ContinualResult.PAIRED_DRIFT).mean(), "alignguard against itself");
            String key = StageMetrics.at(s, "drift");
            double sum = 0;
            for (long base : List.of(7L, 8L)) {
                TrialRecord l = null, a = null;
                for (TrialRecord r : summary.trials()) {
                    if (r.baseSeed() == base && r.method().equals("lora")) {
                        l = r;
                    } else if (r.baseSeed() == base && r.method().equals("alignguard")) {
                        a = r;
                    }
                }
                sum += l.metrics().get(key) - a.metrics().get(key);
            }
            assertEquals(sum / 2, lora.at(s, ContinualResult.PAIRED_DRIFT).mean(), 1e-12, "stage " + s);
        }
        assertEquals(null, lora.at(0, ContinualResult.PAIRED_DRIFT), "no pairing at the aligned model");
    }

    @Test
    void aSequentialTrialGivesTheSameBitsOnTwoThreads(@TempDir Path other) throws IOException {
        // the first run had two workers, each on one-thread kernels; this one has one worker on two threads
        ObjectNode s = tinyContinual();
        s.putArray("base_seeds").add(7);
        ArrayNode kept = JSON.createArrayNode().add(s.withArray("methods").get(2)); // alignguard_reestimate: every path
        s.set("methods", kept);
        Path file = other.resolve("one.json");
        Files.writeString(file, JSON.writeValueAsString(s));
        alignguard("run", file.toString(), "--out", other.resolve("run").toString(), "--workers", "1", "--backend", "vector",
            "--threads", "2");
        TrialRecord twoThreads = SummaryFiles.read(other.resolve("run").resolve("summary.json")).trials().getFirst();
        TrialRecord oneThread = summary.trials().stream()
            .filter(r -> r.method().equals("alignguard_reestimate") && r.baseSeed() == 7).findFirst().orElseThrow();
        Map<String, Double> expected = new java.util.TreeMap<>(oneThread.metrics());
        expected.keySet().removeIf(k -> k.endsWith("drift_reduction")); // against LoRA, which the second run lacks
        assertEquals(expected, new java.util.TreeMap<>(twoThreads.metrics()));
    }

    @Test
    void loraIsItsOwnDriftReferenceAtEveryStage() {
        for (TrialRecord r : summary.trials()) {
            if (r.kind().equals("lora")) {
                for (int s = 1; s <= 3; s++) {
                    double d = r.metrics().get(StageMetrics.at(s, "drift"));
                    double red = r.metrics().get(StageMetrics.at(s, "drift_reduction"));
                    assertTrue(d == 0 ? Double.isNaN(red) : red == 0.0, r.method() + " stage " + s + ": " + d + ", " + red);
                }
            }
            assertEquals(r.metrics().get(StageMetrics.at(3, "refusal_unsafe")), r.metrics().get("refusal_unsafe"),
                "the plain names hold the final stage");
            assertEquals(r.metrics().get(StageMetrics.at(3, StageMetrics.taskAccuracy(3))), r.metrics().get("task_accuracy"),
                "the plain task accuracy is the last task's");
        }
    }

    @Test
    void theReportAndTheFigureShowTheSequence() throws IOException {
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("## Sequential fine-tuning"), report);
        assertTrue(report.contains("| alignguard_reestimate (λA=1.0) [merge, reestimate] |"), report);
        assertTrue(report.contains("### Cumulative drift"), report);
        assertTrue(report.contains("### Cumulative drift minus alignguard's"), report);
        assertFalse(report.contains("## Analyses"), "the continual analysis is shown once, in its section");
        assertTrue(Files.size(out.resolve("continual.png")) > 10_000);
        assertTrue(Files.exists(out.resolve("logs").resolve("lora-base7-seed1.jsonl")));
        JsonNode firstLine = JSON.readTree(Files.readAllLines(out.resolve("logs").resolve("lora-base7-seed1.jsonl")).getFirst());
        assertEquals(1, firstLine.get("sequence_task").asInt());
        List<String> lines = Files.readAllLines(out.resolve("logs").resolve("lora-base7-seed1.jsonl"));
        assertEquals(3 * 12, lines.size(), "12 steps per task");
        assertEquals(3, JSON.readTree(lines.getLast()).get("sequence_task").asInt());
    }

    @Test
    void theSameCommandAgainResumesEveryTrialAndGivesTheSameSummary() throws IOException {
        java.io.ByteArrayOutputStream progress = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(progress, true, StandardCharsets.UTF_8)); // the study reports progress there
        try {
            alignguard("run", specFile.toString(), "--out", out.toString(), "--workers", "1", "--backend", "vector", "--threads",
                "1");
        } finally {
            System.setOut(stdout);
        }
        String again = progress.toString(StandardCharsets.UTF_8);
        assertTrue(again.contains("resuming: 10 of 10 trials finished in an earlier run"), again);
        assertTrue(again.contains("cumulative drift after task"), again);
        assertTrue(again.contains("lora_continue [continue, fixed]"), again);
        assertEquals(withoutTimes(firstRun), withoutTimes(Files.readString(out.resolve("summary.json"))));
    }

    private static String withoutTimes(String summaryJson) throws IOException {
        ObjectNode s = (ObjectNode) JSON.readTree(summaryJson);
        s.remove("wall_seconds");
        for (JsonNode t : s.withArray("trials")) {
            ((ObjectNode) t).remove("seconds");
        }
        return s.toString();
    }

    @Test
    void tasksSplitTheWorldsTaskVerbsInOrderAndPartitionItsTaskData() throws IOException {
        ExperimentSpec spec = ExperimentSpec.parse(
            new ByteArrayInputStream(tinyContinual().toString().getBytes(StandardCharsets.UTF_8)), "tiny");
        World world = World.generate(spec.world(), 7);
        List<SequenceTasks.Task> tasks = SequenceTasks.of(world, 3);
        int train = 0, test = 0;
        for (SequenceTasks.Task t : tasks) {
            assertEquals(List.of(world.taskVerbs().get(2 * t.number() - 2).word(), world.taskVerbs().get(2 * t.number() - 1).word()),
                t.verbs());
            assertFalse(t.train().isEmpty() || t.test().isEmpty(), t.name());
            train += t.train().size();
            test += t.test().size();
        }
        assertEquals(world.taskTrain().size(), train);
        assertEquals(world.evaluation().taskTest().size(), test);
    }

    @Test
    void theContinualPresetIsListedAndValid() throws IOException {
        assertTrue(Presets.NAMES.contains("continual"));
        ExperimentSpec spec = Presets.load("continual");
        assertEquals(new SequenceSpec(3, SequenceSpec.Adapter.MERGE, SequenceSpec.FisherMode.FIXED), spec.sequence());
        assertEquals(3, spec.baseSeeds().size());
    }

    @Test
    void specsWithoutASequenceSerialiseAsBefore() throws IOException {
        ExperimentSpec quick = Presets.load("quickstart");
        assertFalse(quick.toJson().has("sequence"), "no sequence key: run keys and summaries of other studies unchanged");
    }
}
