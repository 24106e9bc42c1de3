package dev.alignguard.experiments.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.pipeline.BaseModelCache;

/** Issue 16: a stage's stop rule ({@code until}) is read, checked before anything trains, and part of the base's identity. */
class StopRuleSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ExperimentSpec withUntil(String stage, String until) throws IOException {
        return SpecCheckTest.tinyWith(t -> {
            try {
                ((ObjectNode) (stage.equals("finetune") ? t.get("finetune").get("training") : t.get(stage))).set("until",
                    JSON.readTree(until));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static List<String> problems(String stage, String until) throws IOException {
        return SpecCheck.problems(withUntil(stage, until)).stream().map(SpecCheck.Problem::toString).toList();
    }

    @Test
    void aValidRuleIsReadAndPasses() throws IOException {
        ExperimentSpec s = withUntil("align", "{\"refusal_unsafe_min\": 0.9, \"over_refusal_max\": 0.05, \"check_every\": 10}");
        assertEquals(List.of(), SpecCheck.problems(s));
        StopRuleSpec u = s.align().until();
        assertEquals("refusal_unsafe >= 0.9, over_refusal_safe <= 0.05", u.describe());
        assertTrue(u.metBy(0.9, 0.05, 0));
        assertTrue(!u.metBy(0.89, 0.0, 1) && !u.metBy(1.0, 0.06, 1) && !u.metBy(Double.NaN, 0, 1));
        assertEquals(List.of(), problems("pretrain", "{\"safe_accuracy_min\": 0.8, \"check_every\": 20, \"prompts\": 100}"));
    }

    @Test
    void everyMistakeIsNamedWithItsFieldAndWhatIsAllowed() throws IOException {
        assertEquals(List.of("align.until is without a bound; allowed: at least one of refusal_unsafe_min, over_refusal_max,"
            + " safe_accuracy_min"), problems("align", "{\"check_every\": 10}"));
        assertEquals(List.of("align.until.refusal_unsafe_min is 1.5; allowed: a share in [0, 1]"),
            problems("align", "{\"refusal_unsafe_min\": 1.5, \"check_every\": 10}"));
        assertEquals(List.of("align.until.over_refusal_max is -0.1; allowed: a share in [0, 1]"),
            problems("align", "{\"over_refusal_max\": -0.1, \"check_every\": 10}"));
        assertEquals(List.of("align.until.check_every is missing; allowed: steps between checks, >= 1, dividing align.steps (30)"),
            problems("align", "{\"refusal_unsafe_min\": 0.9}"));
        assertEquals(List.of("align.until.check_every is 7; allowed: >= 1 and dividing align.steps (30), so that the last step is"
            + " checked"), problems("align", "{\"refusal_unsafe_min\": 0.9, \"check_every\": 7}"));
        assertEquals(List.of("pretrain.until.prompts is 0; allowed: >= 1 (prompts of each validation set per check), or leave it"
            + " out for all"), problems("pretrain", "{\"safe_accuracy_min\": 0.9, \"check_every\": 10, \"prompts\": 0}"));
        assertEquals(List.of("finetune.training.until is given; not allowed here: methods are compared at matched task accuracy;"
            + " a stop rule applies to pretrain and align"), problems("finetune", "{\"refusal_unsafe_min\": 0.9, \"check_every\": 4}"));
        IOException unknown = assertThrows(IOException.class, () -> withUntil("align", "{\"refusal_unsafe_min\": 0.9,"
            + " \"check_every\": 10, \"max_steps\": 100}"));
        assertTrue(unknown.getMessage().contains("max_steps"), unknown.getMessage());
    }

    @Test
    void aRuleChangesTheBaseItsStageBuilds() throws IOException {
        ExperimentSpec plain = SpecCheckTest.tinyWith(t -> {
        });
        ExperimentSpec ruled = withUntil("align", "{\"refusal_unsafe_min\": 0.9, \"check_every\": 10}");
        assertNotEquals(BaseModelCache.key(plain, 7), BaseModelCache.key(ruled, 7));
        assertEquals(BaseModelCache.key(plain, 7), BaseModelCache.key(SpecCheckTest.tinyWith(t -> {
        }), 7), "a spec without a rule keeps its base key");
    }
}
