package dev.alignguard.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.StoredTensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterFilesTest {

    static final LlamaConfig CONFIG = new LlamaConfig(17, 8, 12, 2, 2, 1, 16, 1e-5, 10000.0);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A model with adapters whose B is non-zero, so they change the logits. */
    static LlamaModel adapted(LoraConfig lora, long seed) {
        LlamaModel m = LlamaModel.initialize(CONFIG, seed);
        Random rnd = new Random(seed);
        for (LoraAdapter a : m.attachLora(lora, seed).values()) {
            float[] b = a.b().data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.1 * rnd.nextGaussian());
            }
        }
        return m;
    }

    static float[] logits(LlamaModel m) {
        int[] tokens = {1, 5, 9, 16, 0, 3, 3, 2};
        return m.forward(Graph.inference(ScalarKernels.INSTANCE), tokens, 2, 4).data();
    }

    static void assertSameAdapters(Map<String, LoraAdapter> expected, Map<String, LoraAdapter> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "module paths, in model order");
        expected.forEach((path, a) -> {
            LoraAdapter b = actual.get(path);
            assertEquals(a.scaling(), b.scaling(), path);
            assertEquals(a.a().shape(), b.a().shape(), path);
            assertEquals(a.b().shape(), b.b().shape(), path);
            assertArrayEquals(bits(a.a().data()), bits(b.a().data()), path + " A");
            assertArrayEquals(bits(a.b().data()), bits(b.b().data()), path + " B");
        });
    }

    static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }

    private void roundTrip(LoraConfig lora) throws IOException {
        LlamaModel m = adapted(lora, 11);
        float[] before = logits(m);
        AdapterFiles.save(m, lora, "runs/base", dir);
        LoadedAdapters loaded = AdapterFiles.load(dir);
        assertEquals(lora, loaded.config());
        assertEquals("runs/base", loaded.baseModelNameOrPath());
        assertSameAdapters(m.adapters(), loaded.adapters());

        LlamaModel fresh = LlamaModel.initialize(CONFIG, 11);
        loaded.attachTo(fresh, 0);
        assertArrayEquals(bits(before), bits(logits(fresh)), "the loaded adapters give the same logits");
    }

    @Test
    void roundTripWithModuleList() throws IOException {
        roundTrip(LoraConfig.of(3, 6, "q_proj", "v_proj", "down_proj").withDropout(0.05));
    }

    @Test
    void roundTripWithRegexAndRslora() throws IOException {
        roundTrip(LoraConfig.matching(2, 5.5, "model\\.layers\\.1\\..*_proj").withRslora(true));
    }

    @Test
    void roundTripWithAllLinearAndHead() throws IOException {
        roundTrip(LoraConfig.of(1, 1, LoraConfig.ALL_LINEAR));
        roundTrip(LoraConfig.of(2, 4, "lm_head", "o_proj"));
    }

    @Test
    void writesPeftKeysShapesAndConfig() throws IOException {
        LoraConfig lora = LoraConfig.of(3, 16, "q_proj", "k_proj");
        AdapterFiles.save(adapted(lora, 12), lora, dir);
        SafetensorsFile f = Safetensors.read(dir.resolve("adapter_model.safetensors"));
        assertEquals(8, f.tensors().size());
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertArrayEquals(new long[] {3, 8}, f.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
        assertArrayEquals(new long[] {8, 3}, f.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape());
        assertArrayEquals(new long[] {4, 3}, f.tensor("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight").shape());

        JsonNode c = JSON.readTree(dir.resolve("adapter_config.json").toFile());
        assertEquals("LORA", c.get("peft_type").textValue());
        assertEquals("CAUSAL_LM", c.get("task_type").textValue());
        assertEquals("none", c.get("bias").textValue());
        assertEquals(3, c.get("r").intValue());
        assertTrue(c.get("lora_alpha").isIntegralNumber(), "alpha 16 written as peft's int");
        assertEquals(0.0, c.get("lora_dropout").doubleValue());
        assertEquals(List.of("q_proj", "k_proj"), JSON.convertValue(c.get("target_modules"), List.class));
        assertEquals(false, c.get("use_rslora").booleanValue());
        assertTrue(c.get("base_model_name_or_path").isNull());
        assertNull(AdapterFiles.load(dir).baseModelNameOrPath());
    }

    @Test
    void regexAndAllLinearAreWrittenAsStrings() throws IOException {
        LoraConfig regex = LoraConfig.matching(2, 4, ".*\\.(q|v)_proj");
        AdapterFiles.save(adapted(regex, 13), regex, dir);
        assertEquals(".*\\.(q|v)_proj", JSON.readTree(dir.resolve("adapter_config.json").toFile()).get("target_modules").textValue());
        LoraConfig all = LoraConfig.of(2, 4, LoraConfig.ALL_LINEAR);
        AdapterFiles.save(adapted(all, 13), all, dir);
        assertEquals("all-linear", JSON.readTree(dir.resolve("adapter_config.json").toFile()).get("target_modules").textValue());
    }

    @Test
    void loraConfigJacksonFormIsPeft() throws IOException {
        LoraConfig regex = LoraConfig.matching(4, 8, ".*q_proj");
        JsonNode n = JSON.valueToTree(regex);
        assertEquals(".*q_proj", n.get("target_modules").textValue());
        assertEquals("LORA", n.get("peft_type").textValue());
        assertNull(n.get("target_regex"));
        assertEquals(regex, JSON.treeToValue(n, LoraConfig.class));
        LoraConfig list = LoraConfig.of(4, 8, "q_proj", "v_proj").withDropout(0.1).withRslora(true);
        assertEquals(list, JSON.readValue(JSON.writeValueAsString(list), LoraConfig.class));
        assertEquals(LoraConfig.of(8, 8, "q_proj"), JSON.readValue("{\"target_modules\": [\"q_proj\"]}", LoraConfig.class),
            "peft's defaults");
        assertEquals(LoraConfig.of(8, 8, LoraConfig.ALL_LINEAR), JSON.readValue("{\"target_modules\": \"ALL-LINEAR\"}", LoraConfig.class));
        assertEquals(regex, JSON.readValue("{\"r\": 4, \"lora_alpha\": 8, \"target_regex\": \".*q_proj\"}", LoraConfig.class),
            "the older target_regex field");
    }

    @Test
    void saveRefusesAdaptersThatDisagreeWithTheConfig() {
        LoraConfig lora = LoraConfig.of(2, 4, "q_proj");
        LlamaModel m = adapted(lora, 14);
        assertThrows(IllegalArgumentException.class, () -> AdapterFiles.save(LlamaModel.initialize(CONFIG, 1), lora, dir));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AdapterFiles.save(m, LoraConfig.of(3, 4, "q_proj"), dir))
            .getMessage().contains("rank 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AdapterFiles.save(m, LoraConfig.of(2, 8, "q_proj"), dir))
            .getMessage().contains("scaling"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AdapterFiles.save(m, LoraConfig.of(2, 4, "q_proj", "v_proj"), dir))
            .getMessage().contains("v_proj"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AdapterFiles.save(m, LoraConfig.of(2, 4, "k_proj"), dir))
            .getMessage().contains("q_proj"));
        m.linear("model.layers.0.self_attn.q_proj").setDeltaTransform((g, delta) -> delta);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AdapterFiles.save(m, lora, dir))
            .getMessage().contains("DeltaTransform"));
    }

    // ---------------------------------------------------------------- refusals

    private void assertLoadFails(String file, String... parts) {
        IOException e = assertThrows(IOException.class, () -> AdapterFiles.load(dir));
        assertTrue(e.getMessage().contains(file), "names " + file + ": " + e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "mentions '" + p + "': " + e.getMessage());
        }
    }

    private void editConfig(UnaryOperator<ObjectNode> edit) throws IOException {
        LoraConfig lora = LoraConfig.of(2, 4, "q_proj", "v_proj");
        AdapterFiles.save(adapted(lora, 15), lora, dir);
        Path file = dir.resolve("adapter_config.json");
        Files.writeString(file, JSON.writeValueAsString(edit.apply((ObjectNode) JSON.readTree(file.toFile()))));
    }

    @Test
    void badConfigs() throws IOException {
        assertLoadFails("adapter_config.json", "missing");
        editConfig(o -> o.put("use_dora", true));
        assertLoadFails("adapter_config.json", "use_dora");
        editConfig(o -> o.put("target_modules", 3));
        assertLoadFails("adapter_config.json", "\"target_modules\" must be a list");
        editConfig(o -> o.put("target_modules", "q_proj("));
        assertLoadFails("adapter_config.json", "not a valid regular expression");
        editConfig(o -> (ObjectNode) o.without("target_modules"));
        assertLoadFails("adapter_config.json", "\"target_modules\" is missing");
        editConfig(o -> o.put("r", "two"));
        assertLoadFails("adapter_config.json", "\"r\" must be an integer");
        editConfig(o -> o.put("lora_dropout", 1.5));
        assertLoadFails("adapter_config.json", "lora_dropout");
        editConfig(o -> o.put("peft_type", "IA3"));
        assertLoadFails("adapter_config.json", "IA3");
        editConfig(o -> o.set("rank_pattern", JSON.createObjectNode().put("q_proj", 4)));
        assertLoadFails("adapter_config.json", "rank_pattern");
        editConfig(o -> o.put("r", 3));
        assertLoadFails("adapter_model.safetensors", "rank r = 3");
        editConfig(o -> o.put("target_modules", "model\\.layers\\.0\\..*"));
        assertLoadFails("adapter_model.safetensors", "model.layers.1.self_attn.q_proj", "does not select it");
    }

    private void editWeights(UnaryOperator<List<StoredTensor>> edit) throws IOException {
        LoraConfig lora = LoraConfig.of(2, 4, "q_proj", "v_proj");
        AdapterFiles.save(adapted(lora, 16), lora, dir);
        Path file = dir.resolve("adapter_model.safetensors");
        Safetensors.write(file, edit.apply(new ArrayList<>(Safetensors.read(file).tensors().values())));
    }

    @Test
    void badWeights() throws IOException {
        editWeights(ts -> {
            ts.removeIf(t -> t.name().equals(AdapterFiles.keyB("model.layers.1.self_attn.v_proj")));
            return ts;
        });
        assertLoadFails("adapter_model.safetensors", "model.layers.1.self_attn.v_proj has lora_A but no lora_B");
        editWeights(ts -> {
            ts.add(StoredTensor.f32("base_model.model.lm_head.modules_to_save.weight", new long[] {1}, new float[1]));
            return ts;
        });
        assertLoadFails("adapter_model.safetensors", "unexpected key base_model.model.lm_head.modules_to_save.weight");
        editWeights(ts -> List.of());
        assertLoadFails("adapter_model.safetensors", "no adapters");
        Files.delete(dir.resolve("adapter_model.safetensors"));
        assertLoadFails("adapter_model.safetensors", "missing");
    }

    @Test
    void attachingToAModelWithoutTheModuleNamesIt() throws IOException {
        LoraConfig lora = LoraConfig.of(2, 4, "q_proj");
        AdapterFiles.save(adapted(lora, 17), lora, dir);
        LoadedAdapters loaded = AdapterFiles.load(dir);
        LlamaModel oneLayer = LlamaModel.initialize(new LlamaConfig(17, 8, 12, 1, 2, 1, 16, 1e-5, 10000.0), 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> loaded.attachTo(oneLayer, 0))
            .getMessage().contains("model.layers.1.self_attn.q_proj"));
        LlamaModel wider = LlamaModel.initialize(new LlamaConfig(17, 16, 12, 2, 2, 1, 16, 1e-5, 10000.0), 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> loaded.attachTo(wider, 0))
            .getMessage().contains("do not fit"));
    }
}
