package dev.alignguard.model.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.safetensors.AtomicFiles;
import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;

/**
 * Model folders in the Hugging Face layout, so a folder written here opens in transformers
 * ({@code LlamaForCausalLM.from_pretrained}) and one written there (float weights, untied head,
 * no biases, no rope scaling) opens here:
 * <pre>
 *   DIR/config.json          LlamaConfig, HF field names, pretty-printed
 *   DIR/model.safetensors    every parameter, F32, HF names and shapes, metadata {"format": "pt"}
 *   DIR/tokenizer.json       the WordTokenizer (optional) in the Hugging Face tokenizers format (a WordLevel model)
 *   DIR/tokenizer_config.json beside it: PreTrainedTokenizerFast and its special tokens, so AutoTokenizer opens DIR
 * </pre>
 *
 * <h2>Shapes</h2>
 * {@link LlamaModel} keeps every parameter as a matrix, the norm weights as {@code 1 x C}; HF stores
 * norm weights as rank-1 {@code [C]} and linear and embedding weights as {@code [out, in]}. Saving
 * writes HF's shapes; loading accepts a norm weight as {@code [C]} or {@code [1, C]}.
 *
 * <h2>Loading</h2>
 * Every file is checked and every refusal names the file and the problem: a missing file, malformed
 * or unsupported {@code config.json} (see {@link #readConfig}), a missing, unexpected or mis-shaped
 * parameter. F16, BF16 and F64 weights are converted to float (F64 rounds to nearest); F32 weights
 * load bit for bit, so {@code load(save(m))} equals {@code m} exactly.
 *
 * <h2>Atomicity</h2>
 * Each file is replaced atomically (temporary file, then rename: see {@link AtomicFiles}), so a
 * reader never sees a half-written file; the folder as a whole is written file by file, weights
 * first and {@code config.json} last.
 */
public final class ModelFiles {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String TOKENIZER_FILE = WordTokenizer.FILE_NAME;
    /** transformers' tokenizer settings, written beside {@code tokenizer.json}. */
    public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

    /** The safetensors metadata transformers expects of a PyTorch checkpoint. */
    static final Map<String, String> PT_METADATA = Map.of("format", "pt");

    private ModelFiles() {
    }

    // ---------------------------------------------------------------- save

    /**
     * Writes {@code config.json}, {@code model.safetensors} and, when {@code tokenizer} is not null,
     * {@code tokenizer.json} into {@code dir} (created if needed). With a null tokenizer an existing
     * {@code tokenizer.json} is deleted, so the folder always describes exactly what was saved.
     *
     * <p>The weights are the base weights as they are now: a merged adapter is part of them, an
     * unmerged one is not (save adapters with {@link AdapterFiles}).
     *
     * @throws IllegalArgumentException when the tokenizer has more tokens than the model's vocab_size
     */
    public static void save(LlamaModel model, WordTokenizer tokenizer, Path dir) throws IOException {
        LlamaConfig config = model.config();
        if (tokenizer != null && tokenizer.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize()
                + " tokens but the model's vocab_size is " + config.vocabSize());
        }
        Files.createDirectories(dir);
        List<dev.alignguard.model.safetensors.StoredTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
            Tensor t = e.getValue();
            tensors.add(hfTensor(e.getKey(), t.rows(), t.cols(), t.data()));
        }
        Safetensors.write(dir.resolve(WEIGHTS_FILE), tensors, PT_METADATA);
        Path tokenizerFile = dir.resolve(TOKENIZER_FILE);
        if (tokenizer != null) {
            tokenizer.save(tokenizerFile);
            writeTokenizerConfig(config, dir.resolve(TOKENIZER_CONFIG_FILE));
        } else {
            Files.deleteIfExists(tokenizerFile);
            Files.deleteIfExists(dir.resolve(TOKENIZER_CONFIG_FILE));
        }
        writeConfig(config, dir.resolve(CONFIG_FILE));
    }

    /**
     * Writes transformers' {@code tokenizer_config.json}: the tokenizer class ({@code PreTrainedTokenizerFast},
     * which reads {@code tokenizer.json}), the special tokens by role and the model's context length, atomically.
     */
    static void writeTokenizerConfig(LlamaConfig config, Path file) throws IOException {
        var o = JsonFields.JSON.createObjectNode();
        o.put("tokenizer_class", "PreTrainedTokenizerFast");
        o.put("bos_token", WordTokenizer.BOS);
        o.put("eos_token", WordTokenizer.EOS);
        o.put("pad_token", WordTokenizer.PAD);
        o.put("unk_token", WordTokenizer.UNK);
        o.put("sep_token", WordTokenizer.SEP);
        o.put("model_max_length", config.maxPositionEmbeddings());
        o.put("clean_up_tokenization_spaces", false);
        byte[] json = JsonFields.JSON.writeValueAsBytes(o);
        byte[] withNewline = Arrays.copyOf(json, json.length + 1);
        withNewline[json.length] = '\n';
        AtomicFiles.write(file, withNewline);
    }

    /** Writes the config as pretty JSON with HF's field names, atomically. */
    public static void writeConfig(LlamaConfig config, Path file) throws IOException {
        byte[] json = JsonFields.JSON.writeValueAsBytes(config);
        byte[] withNewline = Arrays.copyOf(json, json.length + 1);
        withNewline[json.length] = '\n';
        AtomicFiles.write(file, withNewline);
    }

    /**
     * HF's shape for a parameter held as {@code rows x cols}: {@code [cols]} for a norm weight
     * (a name ending in {@code norm.weight}, held as {@code 1 x C}), {@code [rows, cols]} otherwise.
     */
    public static long[] hfShape(String name, int rows, int cols) {
        return isNorm(name) && rows == 1 ? new long[] {cols} : new long[] {rows, cols};
    }

    /** An F32 safetensors tensor in HF's shape (see {@link #hfShape}) holding a copy of {@code values}. */
    public static dev.alignguard.model.safetensors.StoredTensor hfTensor(String name, int rows, int cols, float[] values) {
        return dev.alignguard.model.safetensors.StoredTensor.f32(name, hfShape(name, rows, cols), values);
    }

    private static boolean isNorm(String name) {
        return name.endsWith("norm.weight");
    }

    // ---------------------------------------------------------------- load

    /** Loads a folder written by {@link #save} (or an HF Llama folder this model can represent). */
    public static LoadedModel load(Path dir) throws IOException {
        LlamaModel model = loadModel(dir);
        Path tokenizerFile = dir.resolve(TOKENIZER_FILE);
        WordTokenizer tokenizer = null;
        if (Files.exists(tokenizerFile)) {
            tokenizer = WordTokenizer.load(tokenizerFile);
            if (tokenizer.vocabSize() > model.config().vocabSize()) {
                throw new ModelFormatException(tokenizerFile, "the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but " + CONFIG_FILE + " says vocab_size " + model.config().vocabSize());
            }
        }
        return new LoadedModel(model, tokenizer);
    }

    /** Loads only the model ({@code config.json} and {@code model.safetensors}); a tokenizer is not read. */
    public static LlamaModel loadModel(Path dir) throws IOException {
        checkDirectory(dir);
        LlamaConfig config = readConfig(dir.resolve(CONFIG_FILE));
        return readWeights(config, dir.resolve(WEIGHTS_FILE));
    }

    static void checkDirectory(Path dir) throws ModelFormatException {
        if (!Files.exists(dir)) {
            throw new ModelFormatException(dir, "no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir, "not a directory (expected a folder with "
                + CONFIG_FILE + " and " + WEIGHTS_FILE + ")");
        }
    }

    /**
     * Reads a {@code config.json} (or any LlamaConfig JSON) with HF's names and defaults.
     * <ul>
     *   <li>required: {@code vocab_size, hidden_size, intermediate_size, num_hidden_layers,
     *       num_attention_heads} (integers);</li>
     *   <li>optional, with transformers' defaults: {@code num_key_value_heads} (= num_attention_heads),
     *       {@code max_position_embeddings} (2048), {@code rms_norm_eps} (1e-6), {@code rope_theta} (10000);</li>
     *   <li>Mixtral ({@code model_type "mixtral"}), optional with transformers' defaults:
     *       {@code num_local_experts} (8), {@code num_experts_per_tok} (2), {@code router_aux_loss_coef}
     *       (0.001); refused: {@code router_jitter_noise} other than 0, a {@code sliding_window} shorter
     *       than max_position_embeddings;</li>
     *   <li>refused when present with a value this model cannot honour: {@code model_type} other than
     *       "llama" or "mixtral", {@code hidden_act} other than "silu", {@code tie_word_embeddings},
     *       {@code attention_bias} or {@code mlp_bias} true, a non-null {@code rope_scaling}, a
     *       {@code head_dim} other than hidden_size / num_attention_heads;</li>
     *   <li>other fields (token ids, torch_dtype, ...) are ignored.</li>
     * </ul>
     * Every refusal is a {@link ModelFormatException} naming the file and the field.
     */
    public static LlamaConfig readConfig(Path file) throws IOException {
        ObjectNode o = JsonFields.readJsonObject(file, "a Llama config");
        String modelType = JsonFields.optionalString(file, o, "model_type");
        if (modelType != null && !modelType.equals("llama") && !modelType.equals("mixtral")) {
            throw new ModelFormatException(file, "\"model_type\" is \"" + modelType
                + "\"; only \"llama\" and \"mixtral\" are supported");
        }
        boolean mixtral = "mixtral".equals(modelType);
        String act = JsonFields.optionalString(file, o, "hidden_act");
        if (act != null && !act.equals("silu")) {
            throw new ModelFormatException(file, "\"hidden_act\" is \"" + act + "\"; only \"silu\" is supported");
        }
        for (String flag : mixtral ? List.of("tie_word_embeddings") : List.of("tie_word_embeddings", "attention_bias", "mlp_bias")) {
            if (JsonFields.optionalBoolean(file, o, flag, false)) {
                throw new ModelFormatException(file, JsonFields.q(flag) + " is true; this model supports only false");
            }
        }
        if (JsonFields.has(o, "rope_scaling")) {
            throw new ModelFormatException(file, "\"rope_scaling\" is set (" + JsonFields.show(o.get("rope_scaling"))
                + "); only plain rotary embeddings are supported");
        }
        int vocab = JsonFields.requiredInt(file, o, "vocab_size");
        int hidden = JsonFields.requiredInt(file, o, "hidden_size");
        int intermediate = JsonFields.requiredInt(file, o, "intermediate_size");
        int layers = JsonFields.requiredInt(file, o, "num_hidden_layers");
        if (layers > InputLimits.MODEL_MAX_LAYERS) {
            throw new ModelFormatException(file, "\"num_hidden_layers\" is " + layers + ": "
                + InputLimits.tooMany("layers", InputLimits.MODEL_MAX_LAYERS, "MODEL_MAX_LAYERS"));
        }
        int heads = JsonFields.requiredInt(file, o, "num_attention_heads");
        int kvHeads = JsonFields.optionalInt(file, o, "num_key_value_heads", heads);
        int maxPositions = JsonFields.optionalInt(file, o, "max_position_embeddings", 2048);
        double eps = JsonFields.optionalDouble(file, o, "rms_norm_eps", 1e-6);
        double theta = JsonFields.optionalDouble(file, o, "rope_theta", 10000.0);
        int experts = 0, perToken = 0;
        double auxCoef = 0;
        if (mixtral) {
            experts = JsonFields.optionalInt(file, o, "num_local_experts", 8);
            perToken = JsonFields.optionalInt(file, o, "num_experts_per_tok", 2);
            auxCoef = JsonFields.optionalDouble(file, o, "router_aux_loss_coef", LlamaConfig.DEFAULT_ROUTER_AUX_LOSS_COEF);
            if (experts < 1 || experts > InputLimits.MODEL_MAX_EXPERTS) {
                throw new ModelFormatException(file, "\"num_local_experts\" is " + experts + "; expected 1 to "
                    + InputLimits.MODEL_MAX_EXPERTS);
            }
            double jitter = JsonFields.optionalDouble(file, o, "router_jitter_noise", 0.0);
            if (jitter != 0) {
                throw new ModelFormatException(file, "\"router_jitter_noise\" is " + jitter + "; only 0 (no jitter) is supported");
            }
            if (JsonFields.has(o, "sliding_window")) {
                int window = JsonFields.intValue(file, o.get("sliding_window"), "\"sliding_window\"");
                if (window < maxPositions) {
                    throw new ModelFormatException(file, "\"sliding_window\" is " + window + ", shorter than max_position_embeddings "
                        + maxPositions + "; only full causal attention is supported (null, or a window >= max_position_embeddings)");
                }
            }
        }
        LlamaConfig config;
        try {
            config = new LlamaConfig(vocab, hidden, intermediate, layers, heads, kvHeads, maxPositions, eps, theta, experts,
                perToken, auxCoef);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
        if (JsonFields.has(o, "head_dim")) {
            int headDim = JsonFields.intValue(file, o.get("head_dim"), "\"head_dim\"");
            if (headDim != config.headDim()) {
                throw new ModelFormatException(file, "\"head_dim\" " + headDim + " differs from hidden_size / num_attention_heads = "
                    + config.headDim() + "; only the latter is supported");
            }
        }
        return config;
    }

    /** Reads a weights file against a config: every parameter present, none unexpected, shapes as HF's. */
    static LlamaModel readWeights(LlamaConfig config, Path file) throws IOException {
        if (!Files.exists(file)) {
            Path index = file.resolveSibling(WEIGHTS_FILE + ".index.json");
            throw new ModelFormatException(file, "missing (the model's weights)" + (Files.exists(index)
                ? "; the folder has " + index.getFileName()
                    + ", a sharded checkpoint, which is not supported: merge the shards into one file"
                : ""));
        }
        SafetensorsFile content = Safetensors.read(file);
        Map<String, int[]> expected = LlamaModel.parameterShapes(config);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            String name = e.getKey();
            int[] s = e.getValue();
            if (!content.contains(name)) {
                throw new ModelFormatException(file, "missing parameter " + name + " (expected shape "
                    + Arrays.toString(hfShape(name, s[0], s[1])) + ")");
            }
            dev.alignguard.model.safetensors.StoredTensor t = content.tensor(name);
            long[] shape = t.shape();
            boolean ok = Arrays.equals(shape, new long[] {s[0], s[1]})
                || (isNorm(name) && s[0] == 1 && Arrays.equals(shape, new long[] {s[1]}));
            if (!ok) {
                throw new ModelFormatException(file, "parameter " + name + " has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(hfShape(name, s[0], s[1])) + " for this config");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : content.tensors().keySet()) {
            if (!expected.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new ModelFormatException(file, "unexpected parameter" + (unexpected.size() > 1 ? "s " : " ")
                + abbreviate(unexpected) + " for this config (" + config.numHiddenLayers() + " layers)");
        }
        requireHeapForFloats(file, content.tensors().values());
        for (String name : expected.keySet()) {
            values.put(name, content.tensor(name).toFloatArray()); // F16, BF16, F64 convert; F32 exact
        }
        return LlamaModel.fromValues(config, values, file.toString());
    }

    /**
     * Refuses weights that cannot be decoded to floats here: a tensor with more elements than one
     * Java array holds, or all of them together more than the free heap ({@link InputLimits}).
     */
    static void requireHeapForFloats(Path file, Collection<dev.alignguard.model.safetensors.StoredTensor> tensors)
        throws ModelFormatException {
        long elements = 0;
        for (dev.alignguard.model.safetensors.StoredTensor t : tensors) {
            if (t.elementCount() > MAX_ARRAY) {
                throw new ModelFormatException(file, "parameter " + t.name() + " has " + t.elementCount()
                    + " elements, more than one Java array holds (" + MAX_ARRAY + ")");
            }
            elements += t.elementCount();
        }
        String heap = InputLimits.heapProblem(4 * elements, "decoding " + elements + " weights to floats");
        if (heap != null) {
            throw new ModelFormatException(file, heap);
        }
    }

    /** The most elements a float array may have here. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    static String abbreviate(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names)
            : String.join(", ", names.subList(0, 5)) + ", ... (" + names.size() + " in all)";
    }
}
