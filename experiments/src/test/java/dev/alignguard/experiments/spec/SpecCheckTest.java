package dev.alignguard.experiments.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Issue 11, items 1 and 3: what can be checked from the spec is checked before anything trains, and
 * each problem names the field, the value and what is allowed.
 */
class SpecCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ExperimentSpec tinyWith(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(Path.of("src/test/resources/tiny-study.json").toFile());
        edit.accept(tree);
        return ExperimentSpec.parse(new ByteArrayInputStream(tree.toString().getBytes(StandardCharsets.UTF_8)), "tiny.json");
    }

    /** The only problem of the edited tiny spec. */
    private static SpecCheck.Problem only(Consumer<ObjectNode> edit) throws IOException {
        List<SpecCheck.Problem> ps = SpecCheck.problems(tinyWith(edit));
        assertEquals(1, ps.size(), ps.toString());
        return ps.getFirst();
    }

    private static void assertProblem(SpecCheck.Problem p, String field, String value, String allowed) {
        assertEquals(field, p.field(), p.toString());
        assertEquals(value, p.value(), p.toString());
        assertTrue(p.allowed().contains(allowed), p.toString());
    }

    @Test
    void theTinySpecAndEveryPresetPass() throws IOException {
        assertEquals(List.of(), SpecCheck.problems(tinyWith(t -> {
        })));
        for (String name : Presets.NAMES) {
            assertEquals(List.of(), SpecCheck.problems(Presets.load(name)), name);
        }
    }

    @Test
    void theCasesOfTheIssueAreFoundBeforeTraining() throws IOException {
        assertProblem(only(t -> t.putArray("analyses").add("foo")), "analyses[0]", "\"foo\"", "subspace_stability, power_law");
        assertProblem(only(t -> fisher(t).put("estimator", "magic")), "fisher.estimator", "\"magic\"", "exact, lanczos, kfac, diagonal");
        assertProblem(only(t -> fisher(t).put("energy", 2)), "fisher.energy", "2", "(0, 1]");
        assertProblem(only(t -> fisher(t).put("examples", 0)), "fisher.examples", "0", ">= 1");
        assertProblem(only(t -> lora(t).put("r", 0)), "finetune.lora.r", "0", ">= 1");
        assertProblem(only(t -> lora(t).put("lora_dropout", 1)), "finetune.lora.lora_dropout", "1", "[0, 1)");
        assertProblem(only(t -> lora(t).putArray("target_modules").add("qq_proj")), "finetune.lora.target_modules[0]",
            "\"qq_proj\"", "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
    }

    @Test
    void duplicateSeedsAndStrengthsAreRefused() throws IOException {
        IOException seeds = assertThrows(IOException.class, () -> tinyWith(t -> t.putArray("finetune_seeds").add(1).add(1)));
        assertTrue(seeds.getMessage().contains("tiny.json") && seeds.getMessage().contains("finetune_seeds lists a seed twice: [1, 1]"),
            seeds.getMessage());
        assertProblem(only(t -> ((ObjectNode) t.withArray("methods").get(1)).putArray("strengths").add(0.1).add(0.1)),
            "methods[1].strengths[1]", "0.1", "once");
        IOException names = assertThrows(IOException.class, () -> tinyWith(t -> ((ObjectNode) t.withArray("methods").get(1))
            .put("name", "lora")));
        assertTrue(names.getMessage().contains("tiny.json") && names.getMessage().contains("two methods are named lora"),
            names.getMessage());
    }

    @Test
    void stageBoundsAreChecked() throws IOException {
        assertProblem(only(t -> ((ObjectNode) t.get("pretrain")).putObject("divergence").put("loss_factor", 0.5)),
            "pretrain.divergence.loss_factor", "0.5", "> 1");
        assertProblem(only(t -> ((ObjectNode) t.get("align")).putObject("divergence").put("window", 0)),
            "align.divergence.window", "0", ">= 1");
        assertProblem(only(t -> ((ObjectNode) t.get("pretrain")).put("checkpoint_every", -1)),
            "pretrain.checkpoint_every", "-1", ">= 0");
        assertProblem(only(t -> ((ObjectNode) t.get("finetune").get("training")).put("checkpoint_every", 10)),
            "finetune.training.checkpoint_every", "10", "resumed whole");
        ExperimentSpec withBounds = tinyWith(t -> ((ObjectNode) t.get("pretrain")).putObject("divergence").put("grad_norm", 50));
        assertEquals(50, withBounds.pretrain().toDivergence().gradNorm());
        assertEquals(10, withBounds.pretrain().toDivergence().lossFactor(), "a field left out takes its default");
    }

    @Test
    void sizesThatOverflowAnArrayAreNamedByField() throws IOException {
        SpecCheck.Problem p = only(
            t -> ((ObjectNode) t.get("model")).put("hidden_size", 65536).put("intermediate_size", 64).put("num_attention_heads", 16)
                .put("num_key_value_heads", 1));
        assertProblem(p, "model.hidden_size x model.hidden_size", "65536 x 65536 = 4294967296 values (self_attn.q_proj and o_proj)",
            "at most 536870909 values");
    }

    @Test
    void aMethodsOverridesAreCheckedAsItsTrialsWillSeeThem() throws IOException {
        SpecCheck.Problem p = only(t -> ((ObjectNode) t.withArray("methods").get(1)).putObject("overrides").put("fisher.m", 0));
        assertEquals("methods[1] ('alignguard') with overrides [fisher.m]: fisher.m", p.field());
        assertEquals("0", p.value());
    }

    @Test
    void everyProblemIsReportedInOneMessageNamingTheFile() throws IOException {
        ExperimentSpec bad = tinyWith(t -> {
            t.putArray("analyses").add("foo");
            fisher(t).put("estimator", "magic");
        });
        SpecCheck.InvalidSpecException e = assertThrows(SpecCheck.InvalidSpecException.class, () -> SpecCheck.check(bad, "my.json"));
        assertTrue(e.getMessage().startsWith("invalid spec my.json, 2 problems:"), e.getMessage());
        assertTrue(e.getMessage().contains("analyses[0] is \"foo\"; allowed: subspace_stability, power_law"), e.getMessage());
        assertTrue(e.getMessage().contains("fisher.estimator is \"magic\"; allowed: exact, lanczos, kfac, diagonal"), e.getMessage());
    }

    private static ObjectNode fisher(ObjectNode t) {
        return (ObjectNode) t.get("fisher");
    }

    private static ObjectNode lora(ObjectNode t) {
        return (ObjectNode) t.get("finetune").get("lora");
    }
}
