package dev.alignguard.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignguard.model.safetensors.DType;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.StoredTensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {

    static final LlamaConfig CONFIG = new LlamaConfig(17, 8, 12, 2, 2, 1, 16, 1e-5, 10000.0);

    @TempDir
    Path dir;

    /** A model whose every parameter (norms included) holds distinct values, with a few special floats. */
    static LlamaModel model(LlamaConfig config, long seed) {
        LlamaModel m = LlamaModel.initialize(config, seed);
        Random rnd = new Random(seed);
        for (var t : m.parameters().values()) {
            float[] v = t.data();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
        }
        float[] norm = m.parameters().get("model.norm.weight").data();
        norm[0] = -0.0f;
        norm[1] = Float.MIN_VALUE;
        norm[2] = Float.intBitsToFloat(0x7fc00123); // a NaN with a payload
        return m;
    }

    static void assertBitIdentical(LlamaModel expected, LlamaModel actual) {
        assertEquals(expected.config(), actual.config());
        assertEquals(List.copyOf(expected.parameters().keySet()), List.copyOf(actual.parameters().keySet()));
        expected.parameters().forEach((name, t) -> {
            var other = actual.parameters().get(name);
            assertEquals(t.rows(), other.rows(), name);
            assertEquals(t.cols(), other.cols(), name);
            float[] a = t.data(), b = other.data();
            assertEquals(a.length, b.length, name);
            for (int i = 0; i < a.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                    throw new AssertionError(name + "[" + i + "]: " + a[i] + " vs " + b[i]);
                }
            }
        });
    }

    static WordTokenizer tokenizer() {
        return WordTokenizer.of(List.of("<refuse>"), List.of("how", "do", "I", "bake", "bread"));
    }

    @Test
    void saveThenLoadIsBitIdenticalWithTokenizer() throws IOException {
        LlamaModel m = model(CONFIG, 3);
        ModelFiles.save(m, tokenizer(), dir);
        LoadedModel loaded = ModelFiles.load(dir);
        assertBitIdentical(m, loaded.model());
        assertEquals(tokenizer(), loaded.tokenizer());
        assertTrue(loaded.optionalTokenizer().isPresent());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"),
                files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left behind");
        }
    }

    @Test
    void writesHuggingFaceNamesShapesAndMetadata() throws IOException {
        ModelFiles.save(model(CONFIG, 4), null, dir);
        SafetensorsFile f = Safetensors.read(dir.resolve("model.safetensors"));
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertArrayEquals(new long[] {8}, f.tensor("model.norm.weight").shape());
        assertArrayEquals(new long[] {8}, f.tensor("model.layers.1.input_layernorm.weight").shape());
        assertArrayEquals(new long[] {8}, f.tensor("model.layers.0.post_attention_layernorm.weight").shape());
        assertArrayEquals(new long[] {4, 8}, f.tensor("model.layers.0.self_attn.k_proj.weight").shape(), "[out, in], GQA");
        assertArrayEquals(new long[] {8, 12}, f.tensor("model.layers.0.mlp.down_proj.weight").shape());
        assertArrayEquals(new long[] {17, 8}, f.tensor("lm_head.weight").shape());
        assertEquals(LlamaModel.parameterShapes(CONFIG).keySet(), f.tensors().keySet());
        f.tensors().values().forEach(t -> assertEquals(DType.F32, t.dtype()));

        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals(17, config.get("vocab_size").intValue());
        assertEquals(1, config.get("num_key_value_heads").intValue());
        assertEquals("llama", config.get("model_type").textValue());
        assertEquals("LlamaForCausalLM", config.get("architectures").get(0).textValue());
        assertEquals(1e-5, config.get("rms_norm_eps").doubleValue());
        assertTrue(Files.readString(dir.resolve("config.json")).contains("\n  \"hidden_size\""), "pretty-printed");
        assertFalse(Files.exists(dir.resolve("tokenizer.json")));
        assertNull(ModelFiles.load(dir).tokenizer());
    }

    @Test
    void savingWithoutTokenizerRemovesAStaleOne() throws IOException {
        ModelFiles.save(model(CONFIG, 5), tokenizer(), dir);
        assertTrue(Files.exists(dir.resolve(ModelFiles.TOKENIZER_CONFIG_FILE)));
        ModelFiles.save(model(CONFIG, 5), null, dir);
        assertFalse(Files.exists(dir.resolve("tokenizer.json")));
        assertFalse(Files.exists(dir.resolve(ModelFiles.TOKENIZER_CONFIG_FILE)));
    }

    @Test
    void writesTransformersTokenizerSettingsBesideTheTokenizer() throws IOException {
        ModelFiles.save(model(CONFIG, 6), tokenizer(), dir);
        JsonNode t = new ObjectMapper().readTree(dir.resolve(ModelFiles.TOKENIZER_CONFIG_FILE).toFile());
        assertEquals("PreTrainedTokenizerFast", t.get("tokenizer_class").textValue());
        assertEquals("<bos>", t.get("bos_token").textValue());
        assertEquals("<eos>", t.get("eos_token").textValue());
        assertEquals("<pad>", t.get("pad_token").textValue());
        assertEquals("<unk>", t.get("unk_token").textValue());
        assertEquals(CONFIG.maxPositionEmbeddings(), t.get("model_max_length").intValue());
    }

    @Test
    void createsTheFolder() throws IOException {
        Path nested = dir.resolve("a/b");
        LlamaModel m = model(CONFIG, 6);
        ModelFiles.save(m, null, nested);
        assertBitIdentical(m, ModelFiles.loadModel(nested));
    }

    @Test
    void refusesATokenizerLargerThanTheVocabulary() {
        LlamaModel small = model(new LlamaConfig(6, 8, 12, 1, 2, 2, 16, 1e-5, 10000.0), 1);
        var e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.save(small, tokenizer(), dir));
        assertTrue(e.getMessage().contains("vocab_size is 6"), e.getMessage());
    }

    @Test
    void acceptsRankTwoNormsAndConvertsHalfAndDoublePrecision() throws IOException {
        LlamaModel m = model(CONFIG, 7);
        ModelFiles.save(m, null, dir);
        Path weights = dir.resolve("model.safetensors");
        SafetensorsFile f = Safetensors.read(weights);
        List<StoredTensor> rewritten = new ArrayList<>();
        DType[] cycle = {DType.F16, DType.BF16, DType.F64, DType.F32};
        int i = 0;
        for (StoredTensor t : f.tensors().values()) {
            long[] shape = t.shape();
            if (shape.length == 1) {
                shape = new long[] {1, shape[0]};
            }
            rewritten.add(StoredTensor.of(t.name(), cycle[i++ % cycle.length], shape, t.toFloatArray()));
        }
        Safetensors.write(weights, rewritten);
        LlamaModel loaded = ModelFiles.loadModel(dir);
        for (StoredTensor t : rewritten) {
            assertArrayEquals(t.toFloatArray(), loaded.parameters().get(t.name()).data(), t.name() + " as " + t.dtype());
        }
    }

    // ---------------------------------------------------------------- refusals

    private IOException loadFails() {
        return assertThrows(IOException.class, () -> ModelFiles.load(dir));
    }

    private void assertMessage(IOException e, String file, String... parts) {
        assertTrue(e.getMessage().contains(file), "names " + file + ": " + e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "mentions '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void missingFolderAndFiles() throws IOException {
        assertMessage(assertThrows(ModelFormatException.class, () -> ModelFiles.load(dir.resolve("nope"))), "nope", "no such directory");
        assertMessage(loadFails(), "config.json", "missing");
        ModelFiles.writeConfig(CONFIG, dir.resolve("config.json"));
        assertMessage(loadFails(), "model.safetensors", "missing");
    }

    private void writeConfig(String json) throws IOException {
        ModelFiles.save(model(CONFIG, 8), null, dir);
        Files.writeString(dir.resolve("config.json"), json);
    }

    @Test
    void malformedConfig() throws IOException {
        writeConfig("{\"vocab_size\": 17, ");
        assertMessage(loadFails(), "config.json", "not valid JSON");
        writeConfig("[1, 2]");
        assertMessage(loadFails(), "config.json", "expected a JSON object");
        writeConfig("{\"vocab_size\": 17, \"hidden_size\": \"8\"}");
        assertMessage(loadFails(), "config.json", "\"hidden_size\" must be an integer");
        writeConfig("{\"vocab_size\": 17, \"hidden_size\": 8}");
        assertMessage(loadFails(), "config.json", "\"intermediate_size\" is missing");
        writeConfig("{\"vocab_size\": 17, \"vocab_size\": 18}");
        assertMessage(loadFails(), "config.json", "vocab_size");
        writeConfig("{\"vocab_size\": 17, \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
            + " \"num_attention_heads\": 3}");
        assertMessage(loadFails(), "config.json", "num_attention_heads 3");
        writeConfig("{\"vocab_size\": 17, \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
            + " \"num_attention_heads\": 2, \"tie_word_embeddings\": true}");
        assertMessage(loadFails(), "config.json", "tie_word_embeddings");
        writeConfig("{\"model_type\": \"gpt2\"}");
        assertMessage(loadFails(), "config.json", "gpt2");
    }

    @Test
    void readsHuggingFaceDefaultsAndIgnoresOtherFields() throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"vocab_size\": 17, \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
            + " \"num_attention_heads\": 2, \"bos_token_id\": 1, \"torch_dtype\": \"bfloat16\", \"rope_scaling\": null,"
            + " \"head_dim\": 4, \"num_key_value_heads\": null}", StandardCharsets.UTF_8);
        assertEquals(new LlamaConfig(17, 8, 12, 2, 2, 2, 2048, 1e-6, 10000.0), ModelFiles.readConfig(file));
    }

    private void rewriteWeights(UnaryOperator<List<StoredTensor>> edit) throws IOException {
        ModelFiles.save(model(CONFIG, 9), null, dir);
        Path weights = dir.resolve("model.safetensors");
        List<StoredTensor> ts = new ArrayList<>(Safetensors.read(weights).tensors().values());
        Safetensors.write(weights, edit.apply(ts));
    }

    @Test
    void missingUnexpectedAndMisshapedParameters() throws IOException {
        rewriteWeights(ts -> {
            ts.removeIf(t -> t.name().equals("model.layers.1.mlp.up_proj.weight"));
            return ts;
        });
        assertMessage(loadFails(), "model.safetensors", "missing parameter model.layers.1.mlp.up_proj.weight", "[12, 8]");

        rewriteWeights(ts -> {
            ts.add(StoredTensor.f32("model.layers.2.mlp.up_proj.weight", new long[] {12, 8}, new float[96]));
            return ts;
        });
        assertMessage(loadFails(), "model.safetensors", "unexpected parameter model.layers.2.mlp.up_proj.weight");

        rewriteWeights(ts -> {
            ts.replaceAll(t -> t.name().equals("model.layers.0.self_attn.q_proj.weight")
                ? StoredTensor.f32(t.name(), new long[] {64}, t.toFloatArray()) : t);
            return ts;
        });
        assertMessage(loadFails(), "model.safetensors", "model.layers.0.self_attn.q_proj.weight has shape [64], expected [8, 8]");

        rewriteWeights(ts -> {
            ts.replaceAll(t -> t.name().equals("model.norm.weight") ? StoredTensor.f32(t.name(), new long[] {8, 1}, t.toFloatArray()) : t);
            return ts;
        });
        assertMessage(loadFails(), "model.safetensors", "model.norm.weight has shape [8, 1], expected [8]");
    }

    @Test
    void corruptWeightsAndTokenizerNameTheirFile() throws IOException {
        ModelFiles.save(model(CONFIG, 10), tokenizer(), dir);
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        assertMessage(loadFails(), "tokenizer.json");
        Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        assertMessage(loadFails(), "model.safetensors");
    }
}
