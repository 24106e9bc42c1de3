package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.IntNode;

import dev.alignguard.experiments.report.Reports;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.experiments.spec.Presets;
import dev.alignguard.math.kernels.Backend;

/** The pipeline end to end on a tiny study: every method kind runs, outputs are complete, runs are reproducible. */
class StudyTest {

    static ExperimentSpec tiny;
    static Summary first;

    static ExperimentSpec tinySpec() throws IOException {
        try (InputStream in = StudyTest.class.getResourceAsStream("/tiny-study.json")) {
            return ExperimentSpec.parse(in, "tiny-study.json");
        }
    }

    static Summary run(ExperimentSpec spec, TrialExecutor executor, Path dir) {
        return run(spec, executor, dir, new Backend("vector", 1));
    }

    static Summary run(ExperimentSpec spec, TrialExecutor executor, Path dir, Backend backend) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return new Study(spec, "test", "none").run(executor, dir, quiet, backend);
    }

    @BeforeAll
    static void runOnce(@TempDir Path dir) {
        try {
            tiny = tinySpec();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        first = run(tiny, new LocalExecutor(2), dir);
    }

    @Test
    void everyMethodKindRunsAndIsSummarised() {
        assertTrue(first.failures().isEmpty(), () -> "failures: " + first.failures());
        assertEquals(14, first.trials().size()); // 7 methods x 1 strength x 2 base seeds x 1 fine-tune seed
        for (MethodSummary m : first.methods()) {
            assertEquals(2, m.metrics().get("refusal_unsafe").values().length, m.label());
            assertFalse(Double.isNaN(m.metrics().get("task_accuracy").mean()), m.label());
        }
        for (TrialRecord r : first.trials()) { // LoRA against itself: 0, or undefined when it did not drift
            if (r.kind().equals("lora")) {
                double d = r.metrics().get("drift"), red = r.metrics().get("drift_reduction");
                assertTrue(d == 0 ? Double.isNaN(red) : red == 0.0, "drift " + d + ", reduction " + red);
            }
        }
        assertTrue(first.aligned().containsKey("refusal_unsafe"));
        assertEquals(2, first.aligned().get("refusal_unsafe").values().length, "one aligned model per base seed");
        for (TrialRecord r : first.trials()) {
            assertTrue(r.validation().containsKey("task_accuracy"), "validation metrics recorded");
        }
        assertFalse(first.spectrum().isEmpty());
        assertTrue(first.analyses().containsKey("subspace_stability"));
        for (TrialRecord r : first.trials()) {
            assertEquals(3, r.curve().size(), "evaluations at steps 0, 6, 12");
        }
    }

    @Test
    void theSameSpecGivesTheSameNumbersWhateverTheWorkers(@TempDir Path dir) {
        Summary again = run(tiny, new LocalExecutor(1), dir);
        for (int i = 0; i < first.trials().size(); i++) {
            assertEquals(first.trials().get(i).metrics(), again.trials().get(i).metrics(), first.trials().get(i).method());
        }
    }

    @Test
    void aTrialThatFailsIsReportedAndTheSweepCompletes(@TempDir Path dir) throws IOException {
        // a fine-tuning learning rate of 1e6 keeps every number finite but diverges: the trial fails inside, not at expansion
        String json = Files.readString(Path.of("src/test/resources/tiny-study.json"))
            .replace("\"methods\": [", "\"methods\": [{\"name\": \"broken\", \"kind\": \"lora\", \"overrides\": "
                + "{\"finetune.training.learning_rate\": 1e6}},");
        ExperimentSpec spec = ExperimentSpec.parse(new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "broken");
        spec = spec.withSeedCount(1).withBaseSeedCount(1);
        Summary s = run(new ExperimentSpec(spec.name(), spec.description(), spec.baseSeeds(), spec.finetuneSeeds(),
            spec.world(), spec.model(), spec.pretrain(), spec.align(), spec.finetune(), spec.fisher(),
            List.of(spec.methods().get(0), spec.methods().get(1)), List.of(), null, null), new LocalExecutor(2), dir);
        assertEquals(1, s.failures().size());
        TrialRecord failed = s.failures().getFirst();
        assertTrue(failed.error().contains("training diverged in stage finetune at step"), failed.error());
        assertEquals("logs/broken-base7-seed1.failed.jsonl", failed.log(), "a failed trial's log is kept under its final name");
        assertTrue(Files.size(dir.resolve(failed.log())) > 0);
        assertEquals(1, s.trials().stream().filter(t -> !t.failed()).count());
        try (var files = Files.walk(dir)) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".tmp")).toList(), "no temporary file is left");
        }
    }

    @Test
    void aFailedDriftReferenceMakesTheDependentDriftReductionsNaWithTheReason() {
        // lora (base 7, seed 1) failed; lora_r2 is standard LoRA under other settings and succeeded: ewc must not borrow it
        ExperimentSpec one = tiny.withSeedCount(1);
        MethodSpec lora = one.methods().get(0), ewc = one.methods().get(4);
        ExperimentSpec other = one.withOverrides(Map.of("finetune.lora.r", IntNode.valueOf(2)));
        List<Trial> trials = List.of(new Trial(0, one, lora, Double.NaN, 7, 1), new Trial(1, one, ewc, 1.0, 7, 1),
            new Trial(2, other, new MethodSpec("lora_r2", lora.method(), null, Map.of("finetune.lora.r", IntNode.valueOf(2))),
                Double.NaN, 7, 1));
        List<TrialRecord> records = new java.util.ArrayList<>(List.of(
            LocalExecutor.failure(trials.get(0), new dev.alignguard.training.trainer.TrainingDivergedException("finetune", 3,
                "weight norm", "the trained parameters' norm 1e6 ..."), 0.1).record(),
            new TrialRecord("ewc", "ewc", 1.0, 7, 1, Map.of("drift", 0.1), Map.of(), List.of(), 1, null, null, null, Map.of(), List.of()),
            new TrialRecord("lora_r2", "lora", Double.NaN, 7, 1, Map.of("drift", 0.2), Map.of(), List.of(), 1, null, null, null,
                Map.of(), List.of())));
        Study.addDriftReduction(trials, records);
        TrialRecord e = records.get(1);
        assertFalse(e.metrics().containsKey("drift_reduction"), "not computed against another reference: " + e.metrics());
        assertEquals("n/a: its drift reference, lora base 7 seed 1, failed: TrainingDivergedException: training diverged in stage"
            + " finetune at step 3: the trained parameters' norm 1e6 ...", e.notes().get("drift_reduction"));
        assertEquals(0.0, records.get(2).metrics().get("drift_reduction"), "lora_r2 is its own reference");
    }

    @Test
    void outputsAreWritten(@TempDir Path dir) throws IOException {
        Reports.writeAll(first, dir);
        assertTrue(Files.size(dir.resolve("summary.json")) > 0);
        assertTrue(Files.readString(dir.resolve("report.md")).contains("## Main results"));
    }

    @Test
    void everyPresetParsesAndExpands() throws IOException {
        for (String name : Presets.NAMES) {
            ExperimentSpec spec = Presets.load(name);
            assertEquals(name, spec.name());
            assertTrue(spec.baseSeeds().size() * spec.finetuneSeeds().size() >= 3, name + " has >= 3 trials per point");
            assertFalse(Study.expand(spec).isEmpty(), name);
        }
    }

    @Test
    void aMalformedSpecNamesTheFieldAtFault(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, Files.readString(Path.of("src/test/resources/tiny-study.json"))
            .replace("\"steps\": 60", "\"steps\": \"many\""));
        IOException e = assertThrows(IOException.class, () -> ExperimentSpec.read(bad));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("pretrain.steps"), e.getMessage());
        Path unknown = dir.resolve("unknown.json");
        Files.writeString(unknown, Files.readString(Path.of("src/test/resources/tiny-study.json"))
            .replace("\"base_seeds\"", "\"colour_scheme\": 1, \"base_seeds\""));
        IOException e2 = assertThrows(IOException.class, () -> ExperimentSpec.read(unknown));
        assertTrue(e2.getMessage().contains("colour_scheme"), e2.getMessage());
    }

    @Test
    void overridesPatchOneFieldAndAreValidated() {
        ExperimentSpec patched = tiny.withOverrides(Map.of("fisher.m", IntNode.valueOf(2)));
        assertEquals(2, patched.fisher().m());
        assertThrows(IllegalArgumentException.class, () -> tiny.withOverrides(Map.of("fisher.nope", IntNode.valueOf(2))));
    }

    @Test
    void stagesCanReadJsonlDatasetsInsteadOfTheWorld(@TempDir Path dir) throws IOException {
        dev.alignguard.experiments.world.World world = dev.alignguard.experiments.world.World.generate(tiny.world(), tiny.firstBaseSeed());
        Path finetune = dir.resolve("finetune.jsonl"), evaluation = dir.resolve("evaluation.jsonl");
        dev.alignguard.experiments.world.JsonlDataset.write(finetune,
            world.finetune(new dev.alignguard.experiments.world.FinetuneOptions(0, 0)));
        List<dev.alignguard.experiments.world.Example> labelled = new java.util.ArrayList<>(world.evaluation().unsafe().examples());
        labelled.addAll(world.evaluation().safe().examples());
        dev.alignguard.experiments.world.JsonlDataset.write(evaluation, labelled);
        ExperimentSpec base = tiny.withSeedCount(1).withBaseSeedCount(1);
        ExperimentSpec withData = new ExperimentSpec(base.name(), base.description(), base.baseSeeds(), base.finetuneSeeds(),
            base.world(), base.model(), base.pretrain(), base.align(), base.finetune(), base.fisher(),
            List.of(base.methods().get(0), base.methods().get(1)), List.of(),
            new dev.alignguard.experiments.spec.DataSpec(null, null, finetune.toString(), null, evaluation.toString(), null,
                null, null),
            null);
        Summary s = run(withData, new LocalExecutor(2), dir.resolve("out"));
        assertTrue(s.failures().isEmpty(), () -> "failures: " + s.failures());
        assertEquals(2, s.trials().size());
        assertTrue(s.trials().stream().allMatch(t -> t.metrics().containsKey("refusal_unsafe")));

        java.nio.file.Files.writeString(finetune, "{\"prompt\": \"a b\", \"label\": \"safe\"}\n"); // no response
        ExperimentSpec bad = new ExperimentSpec(base.name(), base.description(), List.of(base.firstBaseSeed() + 1),
            base.finetuneSeeds(), base.world(), base.model(), base.pretrain(), base.align(), base.finetune(), base.fisher(),
            List.of(base.methods().get(0)), List.of(),
            new dev.alignguard.experiments.spec.DataSpec(null, null, finetune.toString(), null, null, null, null, null), null);
        RuntimeException e = assertThrows(RuntimeException.class, () -> run(bad, new LocalExecutor(1), dir.resolve("bad")));
        assertTrue(e.getMessage().contains("finetune.jsonl") && e.getMessage().contains("response"), e.getMessage());
    }

    @Test
    void theMatchedSearchRunsRoundsAndReportsEveryMethodAtEveryTarget(@TempDir Path dir) throws IOException {
        String json = Files.readString(Path.of("src/test/resources/tiny-study.json"))
            .replace("\"analyses\"", "\"matched\": {\"drops\": [1, 5], \"rounds\": 2, \"widenings\": 1}, \"analyses\"");
        ExperimentSpec spec = ExperimentSpec.parse(new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
            "matched");
        spec = new ExperimentSpec(spec.name(), spec.description(), spec.baseSeeds(), spec.finetuneSeeds(), spec.world(),
            spec.model(), spec.pretrain(), spec.align(), spec.finetune(), spec.fisher(),
            List.of(spec.methods().get(0), spec.methods().get(1)), List.of(), null, spec.matched());
        Summary s = run(spec, new LocalExecutor(2), dir);
        assertEquals(4, s.matched().size(), "2 methods x 2 targets");
        assertTrue(s.matched().stream().allMatch(r -> r.selectedOn().equals("validation")));
        assertTrue(s.trials().size() > 4, "the search ran further rounds: " + s.trials().size());
        for (var r : s.matched()) {
            assertTrue(r.reached() || r.reason() != null, r.method() + " says why it does not reach " + r.dropPoints());
        }
        assertTrue(s.intervalModel().contains("base seeds"));
        String report = dev.alignguard.experiments.report.ReportWriter.render(s, List.of());
        assertTrue(report.indexOf("## Matched task accuracy") < report.indexOf("## Main results"), "the first table");
        String tables = dev.alignguard.experiments.report.ReportWriter.matchedTables(s);
        assertTrue(tables.startsWith("## Matched task accuracy") && report.contains(tables), "the section alone, as the report has it");
    }
}
