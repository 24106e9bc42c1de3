package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.eval.Evaluator;
import dev.alignguard.experiments.results.StageStop;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.StageSpec;
import dev.alignguard.experiments.world.World;
import dev.alignguard.math.kernels.Backend;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.objective.TaskObjective;
import dev.alignguard.training.trainer.Trainer;

/**
 * Issue 16: a base stage with a stop rule ends at the first check on validation prompts that meets
 * it; a stage killed in the middle and resumed from its checkpoint stops at the same step with the
 * same weights and the same checks; a finished stage reloads its outcome; a rule never met runs the
 * stage whole and is flagged.
 */
class StopRuleTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    private static final Backend VECTOR = new Backend("vector", 1);

    @TempDir
    Path dir;

    /** The tiny study, its alignment 60 steps long with a checkpoint every 5 and the given stop rule. */
    static ExperimentSpec spec(String until) throws IOException {
        ObjectNode s;
        try (InputStream in = StopRuleTest.class.getResourceAsStream("/tiny-study.json")) {
            s = (ObjectNode) JSON.readTree(in);
        }
        ObjectNode align = (ObjectNode) s.get("align");
        align.put("steps", 60).put("checkpoint_every", 5);
        align.set("until", JSON.readTree(until));
        s.putArray("base_seeds").add(7);
        return ExperimentSpec.parse(new ByteArrayInputStream(JSON.writeValueAsBytes(s)), "stop-rule-test.json");
    }

    /** Aligns a fresh model in {@code folder} as BaseModelCache does; a hook throws after {@code killAfter} steps (-1: never). */
    private static StageStop align(ExperimentSpec spec, RunFolder folder, LlamaModel model, int killAfter) {
        World world = World.generate(spec.world(), 7);
        StageData data = StageData.of(world, null);
        WordTokenizer tok = data.tokenizer();
        Kernels kernels = VECTOR.create();
        StageSpec a = spec.align();
        StopCheck stop = StopCheck.of("base k", "align", a, model, new Evaluator(kernels, tok), data.validation(), QUIET);
        Trainer t = new Trainer(model, kernels, a.toConfig(8), new TaskObjective(model), new DataOrder(data.align().sequences(tok), 8),
            tok.specialId(WordTokenizer.PAD));
        if (killAfter >= 0) {
            t.addHook(step -> {
                if (step + 1 == killAfter) {
                    throw new IllegalStateException("killed after step " + killAfter);
                }
            });
        }
        folder.stage("k", "align", model, tok, t, a.checkpointInterval(), 8, stop);
        return stop.outcome();
    }

    private LlamaModel fresh(ExperimentSpec spec) {
        World world = World.generate(spec.world(), 7);
        return LlamaModel.initialize(spec.model().toConfig(world.tokenizer().vocabSize(), world.maxSequenceLength() + 1), 7);
    }

    private RunFolder open(ExperimentSpec spec, String name) throws IOException {
        return RunFolder.open(dir.resolve(name), RunFolder.Identity.of(spec, "1.0", VECTOR), false, false, QUIET);
    }

    @Test
    void theStageStopsAtTheFirstPassingCheckAndAResumedStageStopsAtTheSameStepWithTheSameWeights() throws IOException {
        ExperimentSpec spec = spec("{\"refusal_unsafe_min\": 0.6, \"check_every\": 5}");
        LlamaModel reference = fresh(spec);
        StageStop ref;
        try (RunFolder a = open(spec, "a")) {
            ref = align(spec, a, reference, -1);
        }
        assertTrue(ref.met(), ref.toString());
        assertTrue(ref.checks().size() >= 3 && ref.steps() < 60, "the rule is met after a few checks, before the end: " + ref);
        List<Integer> steps = new ArrayList<>();
        for (int i = 0; i < ref.checks().size(); i++) {
            StageStop.Check c = ref.checks().get(i);
            steps.add(c.steps());
            boolean meets = spec.align().until().metBy(c.refusalUnsafe(), c.overRefusalSafe(), c.safeAccuracy());
            assertEquals(i == ref.checks().size() - 1, meets, "only the last check meets the rule: " + c);
        }
        assertEquals(ref.steps(), steps.getLast());
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(5 * (i + 1), steps.get(i), "a check every 5 steps");
        }

        // killed two steps past a checkpoint that lies before the stopping check, then run again: resumes there
        int killAfter = ref.steps() - 3;
        LlamaModel resumed = fresh(spec);
        try (RunFolder b = open(spec, "b")) {
            IllegalStateException killed = assertThrows(IllegalStateException.class, () -> align(spec, b, resumed, killAfter));
            assertTrue(killed.getMessage().startsWith("killed"), killed.getMessage());
        }
        assertTrue(Files.exists(dir.resolve("b/bases/k/checkpoints/align.safetensors")));
        StageStop again;
        try (RunFolder b = open(spec, "b")) {
            again = align(spec, b, fresh(spec), -1);
        }
        assertEquals(ref, again, "same stop step and the same checks (those before the checkpoint restored from it)");
        LlamaModel loaded = fresh(spec);
        StageStop reloaded;
        try (RunFolder b = open(spec, "b")) {
            reloaded = align(spec, b, loaded, -1);
        }
        assertEquals(ref, reloaded, "a finished stage reloads its outcome");
        for (var e : reference.parameters().entrySet()) {
            assertArrayEquals(e.getValue().data(), loaded.parameters().get(e.getKey()).data(), e.getKey());
        }
        assertFalse(Files.exists(dir.resolve("b/bases/k/checkpoints/align.safetensors")));
    }

    @Test
    void aRuleNeverMetRunsTheStageWholeAndSaysSo() throws IOException {
        ExperimentSpec spec = spec("{\"safe_accuracy_min\": 1.0, \"check_every\": 20}");
        StageStop s;
        try (RunFolder a = open(spec, "a")) {
            s = align(spec, a, fresh(spec), -1);
        }
        assertFalse(s.met(), s.toString());
        assertEquals(60, s.steps());
        assertEquals(List.of(20, 40, 60), s.checks().stream().map(StageStop.Check::steps).toList());
        assertEquals("safe_accuracy >= 1", s.rule());
    }

    @Test
    void aCheckOnFewerPromptsTakesThemSpreadOverTheWholeSet() throws IOException {
        World world = World.generate(spec("{\"refusal_unsafe_min\": 0.5, \"check_every\": 5}").world(), 7);
        var unsafe = world.validation().unsafe();
        var picked = StopCheck.spread(unsafe, 10);
        assertEquals(10, picked.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(unsafe.get(i * unsafe.size() / 10), picked.get(i));
        }
        assertEquals(unsafe.examples().getLast().prompt().split(" ")[1], picked.examples().getLast().prompt().split(" ")[1],
            "the set is sorted by verb: the last picks reach its last verb");
        assertTrue(StopCheck.spread(unsafe, null) == unsafe && StopCheck.spread(unsafe, unsafe.size()) == unsafe);
    }
}
