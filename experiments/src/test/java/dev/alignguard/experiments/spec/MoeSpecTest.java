package dev.alignguard.experiments.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.experiments.eval.RouterMetrics;
import org.junit.jupiter.api.Test;

/** The model spec's mixture-of-experts fields, the moe preset's two architectures, and the router metrics. */
class MoeSpecTest {

    @Test
    void aDenseModelSpecWritesNoExpertFieldsSoExistingBaseKeysStay() {
        JsonNode dense = ExperimentSpec.JSON.valueToTree(new ModelSpec(64, 128, 2, 4, 4));
        assertFalse(dense.has("num_local_experts") || dense.has("num_experts_per_tok") || dense.has("router_aux_loss_coef"),
            dense.toString());
        assertEquals(5, dense.size());
    }

    @Test
    void theMoePresetComparesAMixtralModelWithADenseOneOfTheSameActiveParameters() throws IOException {
        ExperimentSpec spec = Presets.load("moe");
        LlamaConfig moe = spec.model().toConfig(100, 32);
        assertTrue(moe.isMoe());
        MethodSpec denseMethod = spec.methods().stream().filter(m -> m.name().equals("lora_dense")).findFirst().orElseThrow();
        LlamaConfig dense = spec.withOverrides(denseMethod.overrides()).model().toConfig(100, 32);
        assertFalse(dense.isMoe());
        // active MLP parameters per token: k experts of 3 F C against one MLP of 3 F' C
        assertEquals(moe.numExpertsPerTok() * moe.intermediateSize(), dense.intermediateSize());
        assertTrue(SpecCheck.problems(spec).isEmpty(), SpecCheck.problems(spec).toString());
        // a Mixtral spec's LoRA may target the experts' w1, w2, w3 but not the dense MLP's gate_proj
        JsonNode experts = ExperimentSpec.JSON.valueToTree(List.of("q_proj", "w1", "w2", "w3"));
        JsonNode denseMlp = ExperimentSpec.JSON.valueToTree(List.of("gate_proj"));
        // (the dense arms, whose overrides remove the experts, are refused the experts' names: as their trials would)
        List<SpecCheck.Problem> withExperts = SpecCheck.problems(spec.withOverrides(Map.of("finetune.lora.target_modules", experts)));
        assertTrue(withExperts.stream().noneMatch(p -> p.field().startsWith("finetune.")), withExperts.toString());
        assertTrue(withExperts.stream().anyMatch(p -> p.field().startsWith("methods[2]")), withExperts.toString());
        List<SpecCheck.Problem> withDense = SpecCheck.problems(spec.withOverrides(Map.of("finetune.lora.target_modules", denseMlp)));
        assertTrue(withDense.stream().anyMatch(p -> p.field().equals("finetune.lora.target_modules[0]")), withDense.toString());
        assertTrue(SpecCheck.problems(spec.withOverrides(Map.of("model.num_experts_per_tok", IntNode.valueOf(5)))).stream()
            .anyMatch(p -> p.field().equals("model.num_experts_per_tok")));
    }

    @Test
    void routerMetricsAreZeroForAnUnchangedModelAndAbsentForADenseOne() {
        LlamaModel m = LlamaModel.initialize(new LlamaConfig(12, 8, 4, 1, 2, 2, 16, 1e-5, 1e4).withExperts(4, 2, 0.01), 3);
        int[][] prompts = {{1, 2, 3}, {4, 5}};
        Map<String, Double> same = RouterMetrics.of(m, m.copy(), prompts, ScalarKernels.INSTANCE);
        assertEquals(List.of(RouterMetrics.CHANGED_SETS, RouterMetrics.CHANGED_TOP, RouterMetrics.PROBABILITY_TV,
            RouterMetrics.LOAD_TV), List.copyOf(same.keySet()));
        same.values().forEach(v -> assertEquals(0.0, v));
        LlamaModel dense = LlamaModel.initialize(new LlamaConfig(12, 8, 4, 1, 2, 2, 16, 1e-5, 1e4), 3);
        assertTrue(RouterMetrics.of(dense, dense, prompts, ScalarKernels.INSTANCE).isEmpty());
    }
}
