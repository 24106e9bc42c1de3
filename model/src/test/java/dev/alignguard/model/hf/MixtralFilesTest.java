package dev.alignguard.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.llama.SizeEstimate;
import dev.alignguard.model.lora.LoraConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Mixtral config and folder: HF's names and fields, a save/load round trip, a forward and its router logits. */
class MixtralFilesTest {

    static final LlamaConfig MIXTRAL = new LlamaConfig(17, 8, 6, 2, 2, 1, 16, 1e-5, 10000.0).withExperts(4, 2, 0.01);

    @TempDir
    Path dir;

    @Test
    void configJsonIsHfMixtralAndDenseJsonHasNoExpertFields() throws IOException {
        ModelFiles.writeConfig(MIXTRAL, dir.resolve("config.json"));
        JsonNode o = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("mixtral", o.get("model_type").asText());
        assertEquals("MixtralForCausalLM", o.get("architectures").get(0).asText());
        assertEquals(4, o.get("num_local_experts").asInt());
        assertEquals(2, o.get("num_experts_per_tok").asInt());
        assertEquals(0.01, o.get("router_aux_loss_coef").asDouble());
        assertFalse(o.has("mlp_bias"));
        assertEquals(MIXTRAL, ModelFiles.readConfig(dir.resolve("config.json")));

        LlamaConfig dense = new LlamaConfig(17, 8, 6, 2, 2, 1, 16, 1e-5, 10000.0);
        ModelFiles.writeConfig(dense, dir.resolve("dense.json"));
        JsonNode d = new ObjectMapper().readTree(dir.resolve("dense.json").toFile());
        assertEquals("llama", d.get("model_type").asText());
        assertFalse(d.has("num_local_experts") || d.has("num_experts_per_tok") || d.has("router_aux_loss_coef"));
        assertTrue(d.has("mlp_bias"));
        assertEquals(dense, ModelFiles.readConfig(dir.resolve("dense.json")));
    }

    @Test
    void hfDefaultsAndRefusals() throws IOException {
        Path f = dir.resolve("c.json");
        String base = "\"model_type\": \"mixtral\", \"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 4,"
            + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"max_position_embeddings\": 32";
        Files.writeString(f, "{" + base + "}", StandardCharsets.UTF_8);
        LlamaConfig c = ModelFiles.readConfig(f);
        assertEquals(8, c.numLocalExperts());
        assertEquals(2, c.numExpertsPerTok());
        assertEquals(0.001, c.routerAuxLossCoef());
        Files.writeString(f, "{" + base + ", \"sliding_window\": null, \"num_local_experts\": 3, \"num_experts_per_tok\": 1}",
            StandardCharsets.UTF_8);
        assertEquals(3, ModelFiles.readConfig(f).numLocalExperts());
        for (String bad : List.of("\"num_experts_per_tok\": 9", "\"num_local_experts\": 0", "\"router_jitter_noise\": 0.1",
            "\"sliding_window\": 8", "\"router_aux_loss_coef\": -1")) {
            Files.writeString(f, "{" + base + ", " + bad + "}", StandardCharsets.UTF_8);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.readConfig(f), bad);
            assertTrue(e.getMessage().contains(bad.substring(1, bad.indexOf('"', 1))), e.getMessage());
        }
    }

    @Test
    void weightsCarryHfMixtralNamesAndRoundTripBitForBit() throws IOException {
        LlamaModel m = ModelFilesTest.model(MIXTRAL, 3);
        List<String> names = new ArrayList<>(m.parameters().keySet());
        assertTrue(names.contains("model.layers.1.block_sparse_moe.gate.weight"));
        assertTrue(names.contains("model.layers.0.block_sparse_moe.experts.3.w2.weight"));
        assertFalse(names.stream().anyMatch(n -> n.contains(".mlp.")));
        assertEquals(4, m.parameters().get("model.layers.0.block_sparse_moe.gate.weight").rows());
        assertEquals(6, m.parameters().get("model.layers.0.block_sparse_moe.experts.0.w1.weight").rows());
        assertEquals(8, m.parameters().get("model.layers.0.block_sparse_moe.experts.0.w2.weight").rows());
        long count = m.parameters().values().stream().mapToLong(Tensor::size).sum();
        assertEquals(count, SizeEstimate.of(MIXTRAL).parameters());
        ModelFiles.save(m, null, dir);
        ModelFilesTest.assertBitIdentical(m, ModelFiles.loadModel(dir));
    }

    @Test
    void forwardReturnsLogitsAndOneRouterLogitsPerLayer() {
        LlamaModel m = LlamaModel.initialize(MIXTRAL, 5);
        List<Tensor> router = new ArrayList<>();
        Graph g = Graph.training(ScalarKernels.INSTANCE);
        Tensor logits = m.forward(g, new int[] {1, 2, 3, 4, 5, 6}, 2, 3, router);
        assertEquals(6, logits.rows());
        assertEquals(17, logits.cols());
        assertEquals(2, router.size());
        assertEquals(6, router.get(0).rows());
        assertEquals(4, router.get(0).cols());
        Tensor aux = m.routerAuxLoss(g, router);
        // between k (balanced) and E (collapsed), times the coefficient
        assertTrue(aux.item() >= 0.01f * 2 * 0.999f && aux.item() <= 0.01f * 4 * 1.001f, "aux " + aux.item());
        g.backward(aux);
        assertTrue(m.parameters().get("model.layers.0.block_sparse_moe.gate.weight").hasGrad());
    }

    @Test
    void loraTargetsExpertProjectionsWithPeftNamesAndRoundTrips() throws IOException {
        LlamaModel m = LlamaModel.initialize(MIXTRAL, 5);
        LoraConfig lora = LoraConfig.of(2, 4, "q_proj", "w1", "w2", "w3");
        var adapters = m.attachLora(lora, 1);
        assertEquals(2 * (1 + 4 * 3), adapters.size());
        assertTrue(adapters.containsKey("model.layers.0.block_sparse_moe.experts.2.w3"));
        assertFalse(adapters.containsKey("model.layers.0.block_sparse_moe.gate"));
        java.util.Arrays.fill(adapters.get("model.layers.1.block_sparse_moe.experts.1.w2").b().data(), 0.5f);
        AdapterFiles.save(m, lora, dir.resolve("adapter"));
        var keys = dev.alignguard.model.safetensors.Safetensors.read(dir.resolve("adapter").resolve(AdapterFiles.WEIGHTS_FILE))
            .tensors().keySet();
        assertTrue(keys.contains("base_model.model.model.layers.1.block_sparse_moe.experts.1.w2.lora_B.weight"), keys.toString());
        LoadedAdapters loaded = AdapterFiles.load(dir.resolve("adapter"));
        LlamaModel fresh = LlamaModel.initialize(MIXTRAL, 5);
        loaded.attachTo(fresh, 1);
        int[] tokens = {1, 2, 3, 4};
        float[] a = m.forward(Graph.inference(ScalarKernels.INSTANCE), tokens, 1, 4).data();
        float[] b = fresh.forward(Graph.inference(ScalarKernels.INSTANCE), tokens, 1, 4).data();
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
        // the adapter on w2 of expert 1 changes the output (the check above is not of two no-op adapters)
        float[] base = LlamaModel.initialize(MIXTRAL, 5).forward(Graph.inference(ScalarKernels.INSTANCE), tokens, 1, 4).data();
        assertFalse(java.util.Arrays.equals(a, base));
    }
}
