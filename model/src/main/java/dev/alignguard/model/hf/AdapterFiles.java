package dev.alignguard.model.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.safetensors.AtomicFiles;
import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;

/**
 * LoRA adapter folders in Hugging Face peft's layout, so a folder written here loads with
 * {@code PeftModel.from_pretrained(base, DIR)} and one written by peft (plain LoRA) loads here:
 * <pre>
 *   DIR/adapter_config.json         peft_type "LORA", task_type "CAUSAL_LM", r, lora_alpha, lora_dropout,
 *                                   target_modules, use_rslora, bias "none", base_model_name_or_path, ...
 *   DIR/adapter_model.safetensors   base_model.model.&lt;module path&gt;.lora_A.weight   [r, in]   F32
 *                                   base_model.model.&lt;module path&gt;.lora_B.weight   [out, r]  F32
 * </pre>
 * {@code target_modules} is a list of module names, or a string: {@code "all-linear"}, or a regular
 * expression matched against the whole module path (peft's reading of a string).
 *
 * <p>Loading refuses, naming the file and the problem, what this framework cannot honour: DoRA,
 * {@code fan_in_fan_out}, per-module rank or alpha patterns, {@code layers_to_transform},
 * {@code modules_to_save}, a bias other than "none", keys other than the two above, an A without
 * its B (or the reverse), ranks other than {@code r}, and adapters on modules {@code target_modules}
 * does not select. F16, BF16 and F64 adapters are converted to float; F32 loads bit for bit.
 * Both files are written atomically (weights first).
 */
public final class AdapterFiles {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** peft's prefix of every key: the PeftModel's {@code base_model} (LoraModel), then its {@code model}. */
    public static final String KEY_PREFIX = "base_model.model.";

    private static final Pattern KEY = Pattern.compile("base_model\\.model\\.(.+)\\.lora_([AB])\\.weight");
    /** The order of a layer's linear modules in {@link LlamaModel#linears()}. */
    private static final List<String> MODULE_ORDER = List.of(
        "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
        "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");
    private static final Pattern LAYER_MODULE = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

    private AdapterFiles() {
    }

    /** The safetensors key of a module's A matrix. */
    public static String keyA(String modulePath) {
        return KEY_PREFIX + modulePath + ".lora_A.weight";
    }

    /** The safetensors key of a module's B matrix. */
    public static String keyB(String modulePath) {
        return KEY_PREFIX + modulePath + ".lora_B.weight";
    }

    // ---------------------------------------------------------------- save

    /** Saves the model's attached adapters and their config, without a base model name. */
    public static void save(LlamaModel model, LoraConfig config, Path dir) throws IOException {
        save(model, config, null, dir);
    }

    /**
     * Writes {@code adapter_model.safetensors} and {@code adapter_config.json} into {@code dir}
     * (created if needed).
     *
     * @param model               a model with adapters attached (merged or not: A and B are saved either way)
     * @param config              the config the adapters were made with: every adapter must have rank
     *                            {@code r} and scaling {@code config.scaling()}, and the modules with
     *                            adapters must be exactly the modules the config targets
     * @param baseModelNameOrPath recorded as peft's {@code base_model_name_or_path}; may be null
     * @throws IllegalArgumentException when the model has no adapters, they disagree with the config,
     *                                  or one is routed through a {@link dev.alignguard.model.lora.DeltaTransform}
     *                                  (peft's format holds A and B, not a transformed update)
     */
    public static void save(LlamaModel model, LoraConfig config, String baseModelNameOrPath, Path dir) throws IOException {
        Map<String, LoraAdapter> adapters = model.adapters();
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("the model has no LoRA adapters attached: nothing to save");
        }
        for (Linear l : model.linears()) {
            LoraAdapter a = l.adapter();
            if (config.targets(l.path()) && a == null) {
                throw new IllegalArgumentException("the config's target_modules select " + l.path()
                    + " but the model has no adapter there");
            }
            if (a == null) {
                continue;
            }
            if (!config.targets(l.path())) {
                throw new IllegalArgumentException("the model has an adapter on " + l.path()
                    + " but the config's target_modules do not select it");
            }
            if (l.deltaTransform() != null) {
                throw new IllegalArgumentException("the adapter on " + l.path() + " is routed through a DeltaTransform"
                    + " (e.g. a hard projection): its update is T(s B A), which A and B alone in peft's format do not"
                    + " describe; remove the transform first, or merge and save the model with ModelFiles");
            }
            if (a.rank() != config.r()) {
                throw new IllegalArgumentException("the adapter on " + l.path() + " has rank " + a.rank()
                    + " but the config says r = " + config.r());
            }
            if (Float.compare(a.scaling(), config.scaling()) != 0) {
                throw new IllegalArgumentException("the adapter on " + l.path() + " has scaling " + a.scaling()
                    + " but the config gives " + config.scaling());
            }
        }
        save(adapters, config, baseModelNameOrPath, dir);
    }

    /**
     * Writes adapters given by module path (not attached to a model) as {@link #save(LlamaModel, LoraConfig, String, Path)}
     * does: each must have rank {@code r} and scaling {@code config.scaling()}, on a module the config targets.
     *
     * @throws IllegalArgumentException when there are none, or one disagrees with the config
     */
    public static void save(Map<String, LoraAdapter> adapters, LoraConfig config, String baseModelNameOrPath, Path dir)
        throws IOException {
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("no LoRA adapters: nothing to save");
        }
        for (Map.Entry<String, LoraAdapter> e : adapters.entrySet()) {
            LoraAdapter a = e.getValue();
            if (!config.targets(e.getKey())) {
                throw new IllegalArgumentException("an adapter on " + e.getKey() + " but the config's target_modules do not select it");
            }
            if (a.rank() != config.r() || Float.compare(a.scaling(), config.scaling()) != 0) {
                throw new IllegalArgumentException("the adapter on " + e.getKey() + " has rank " + a.rank() + " and scaling "
                    + a.scaling() + " but the config gives r = " + config.r() + " and scaling " + config.scaling());
            }
        }
        Files.createDirectories(dir);
        List<dev.alignguard.model.safetensors.StoredTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, LoraAdapter> e : adapters.entrySet()) {
            Tensor a = e.getValue().a(), b = e.getValue().b();
            tensors.add(dev.alignguard.model.safetensors.StoredTensor.f32(keyA(e.getKey()), new long[] {a.rows(), a.cols()}, a.data()));
            tensors.add(dev.alignguard.model.safetensors.StoredTensor.f32(keyB(e.getKey()), new long[] {b.rows(), b.cols()}, b.data()));
        }
        Safetensors.write(dir.resolve(WEIGHTS_FILE), tensors, ModelFiles.PT_METADATA);
        writeConfig(config, baseModelNameOrPath, dir.resolve(CONFIG_FILE));
    }

    /** Writes {@code adapter_config.json} with peft's fields (those peft needs to rebuild the adapter), atomically. */
    public static void writeConfig(LoraConfig config, String baseModelNameOrPath, Path file) throws IOException {
        ObjectNode o = JsonFields.JSON.createObjectNode();
        o.put("peft_type", config.peftType());
        o.put("task_type", config.taskType());
        if (baseModelNameOrPath == null) {
            o.putNull("base_model_name_or_path");
        } else {
            o.put("base_model_name_or_path", baseModelNameOrPath);
        }
        o.put("r", config.r());
        double alpha = config.loraAlpha();
        if (alpha == Math.rint(alpha) && Math.abs(alpha) < 1e15) {
            o.put("lora_alpha", (long) alpha); // peft types it as int; exact either way
        } else {
            o.put("lora_alpha", alpha);
        }
        o.put("lora_dropout", config.loraDropout());
        Object targets = config.peftTargetModules();
        if (targets instanceof String s) {
            o.put("target_modules", s);
        } else {
            ArrayNode list = o.putArray("target_modules");
            config.targetModules().forEach(list::add);
        }
        o.put("use_rslora", config.useRslora());
        o.put("bias", config.bias());
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        o.put("init_lora_weights", true);
        o.put("use_dora", false);
        o.putObject("rank_pattern");
        o.putObject("alpha_pattern");
        o.putNull("layers_to_transform");
        o.putNull("layers_pattern");
        o.putNull("modules_to_save");
        byte[] json = JsonFields.JSON.writeValueAsBytes(o);
        byte[] withNewline = Arrays.copyOf(json, json.length + 1);
        withNewline[json.length] = '\n';
        AtomicFiles.write(file, withNewline);
    }

    // ---------------------------------------------------------------- load

    /** Loads an adapter folder; see the class comment for what is refused. */
    public static LoadedAdapters load(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new ModelFormatException(dir, "no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir, "not a directory (expected a folder with " + CONFIG_FILE
                + " and " + WEIGHTS_FILE + ")");
        }
        Path configFile = dir.resolve(CONFIG_FILE);
        ObjectNode o = JsonFields.readJsonObject(configFile, "a peft LoRA adapter config");
        LoraConfig config = readConfig(configFile, o);
        String base = JsonFields.optionalString(configFile, o, "base_model_name_or_path");
        return new LoadedAdapters(config, readWeights(config, dir.resolve(WEIGHTS_FILE)), base);
    }

    /** Reads an {@code adapter_config.json}; every refusal names the file and the field. */
    public static LoraConfig readConfig(Path file) throws IOException {
        return readConfig(file, JsonFields.readJsonObject(file, "a peft LoRA adapter config"));
    }

    private static LoraConfig readConfig(Path file, ObjectNode o) throws ModelFormatException {
        String peftType = JsonFields.optionalString(file, o, "peft_type");
        if (peftType != null && !peftType.equals("LORA")) {
            throw new ModelFormatException(file, "\"peft_type\" is \"" + peftType + "\"; only \"LORA\" is supported");
        }
        String bias = JsonFields.optionalString(file, o, "bias");
        if (bias != null && !bias.equals("none")) {
            throw new ModelFormatException(file, "\"bias\" is \"" + bias + "\"; only \"none\" is supported");
        }
        for (String flag : List.of("use_dora", "fan_in_fan_out")) {
            if (JsonFields.optionalBoolean(file, o, flag, false)) {
                throw new ModelFormatException(file, JsonFields.q(flag) + " is true; this framework supports only false");
            }
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode n = o.get(pattern);
            if (n != null && !n.isNull() && !(n.isObject() && n.isEmpty())) {
                throw new ModelFormatException(file, JsonFields.q(pattern) + " is " + JsonFields.show(n)
                    + "; per-module ranks and alphas are not supported (expected {} or null)");
            }
        }
        for (String unsupported : List.of("layers_to_transform", "modules_to_save", "exclude_modules")) {
            JsonNode n = o.get(unsupported);
            if (n != null && !n.isNull() && !(n.isArray() && n.isEmpty())) {
                throw new ModelFormatException(file, JsonFields.q(unsupported) + " is " + JsonFields.show(n)
                    + "; not supported (expected null)");
            }
        }
        int r = JsonFields.optionalInt(file, o, "r", 8);
        double alpha = JsonFields.optionalDouble(file, o, "lora_alpha", 8.0);
        double dropout = JsonFields.optionalDouble(file, o, "lora_dropout", 0.0);
        boolean rslora = JsonFields.optionalBoolean(file, o, "use_rslora", false);
        JsonNode targets = o.get("target_modules");
        if (targets == null || targets.isNull()) {
            throw new ModelFormatException(file, "\"target_modules\" is missing (expected a list of module names or a regex string)");
        }
        List<String> modules = List.of();
        String regex = null;
        if (targets.isTextual()) {
            if (targets.textValue().equalsIgnoreCase(LoraConfig.ALL_LINEAR)) {
                modules = List.of(LoraConfig.ALL_LINEAR);
            } else {
                regex = targets.textValue();
                if (regex.length() > InputLimits.LORA_MAX_REGEX_CHARS) {
                    throw new ModelFormatException(file, "\"target_modules\" is an expression of " + regex.length()
                        + " characters, over the input limit of " + InputLimits.LORA_MAX_REGEX_CHARS
                        + " (InputLimits.LORA_MAX_REGEX_CHARS)");
                }
                try {
                    Pattern.compile(regex);
                } catch (PatternSyntaxException e) {
                    throw new ModelFormatException(file, "\"target_modules\" is not a valid regular expression: "
                        + e.getDescription() + " near index " + e.getIndex() + " of \"" + regex + "\"");
                }
            }
        } else if (targets.isArray()) {
            modules = JsonFields.stringList(file, targets, "target_modules");
            if (modules.isEmpty()) {
                throw new ModelFormatException(file, "\"target_modules\" is an empty list");
            }
        } else {
            throw new ModelFormatException(file, "\"target_modules\" must be a list of module names or a regex string, got "
                + JsonFields.kind(targets));
        }
        try {
            return new LoraConfig(r, alpha, dropout, modules, regex, rslora);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }

    private static Map<String, LoraAdapter> readWeights(LoraConfig config, Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new ModelFormatException(file, "missing (the adapter weights)");
        }
        SafetensorsFile content = Safetensors.read(file);
        Map<String, dev.alignguard.model.safetensors.StoredTensor[]> byModule = new TreeMap<>(MODEL_ORDER);
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, dev.alignguard.model.safetensors.StoredTensor> e : content.tensors().entrySet()) {
            Matcher m = KEY.matcher(e.getKey());
            if (!m.matches()) {
                unexpected.add(e.getKey());
                continue;
            }
            byModule.computeIfAbsent(m.group(1), k -> new dev.alignguard.model.safetensors.StoredTensor[2])[m.group(2).equals("A") ? 0
                : 1] = e.getValue();
        }
        if (!unexpected.isEmpty()) {
            throw new ModelFormatException(file, "unexpected key" + (unexpected.size() > 1 ? "s " : " ")
                + ModelFiles.abbreviate(unexpected) + " (expected only " + KEY_PREFIX + "<module>.lora_A.weight and .lora_B.weight)");
        }
        if (byModule.isEmpty()) {
            throw new ModelFormatException(file, "holds no adapters");
        }
        ModelFiles.requireHeapForFloats(file, content.tensors().values());
        Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        for (Map.Entry<String, dev.alignguard.model.safetensors.StoredTensor[]> e : byModule.entrySet()) {
            String path = e.getKey();
            dev.alignguard.model.safetensors.StoredTensor a = e.getValue()[0], b = e.getValue()[1];
            if (a == null || b == null) {
                throw new ModelFormatException(file,
                    "module " + path + " has " + (a == null ? "lora_B but no lora_A" : "lora_A but no lora_B"));
            }
            if (a.rank() != 2 || b.rank() != 2) {
                throw new ModelFormatException(file, "module " + path + ": lora_A " + Arrays.toString(a.shape()) + " and lora_B "
                    + Arrays.toString(b.shape()) + " must both be matrices (A: [r, in], B: [out, r])");
            }
            if (a.dim(0) != config.r() || b.dim(1) != config.r()) {
                throw new ModelFormatException(file, "module " + path + ": lora_A " + Arrays.toString(a.shape()) + " and lora_B "
                    + Arrays.toString(b.shape()) + " do not have rank r = " + config.r() + " from " + CONFIG_FILE);
            }
            boolean targeted;
            try {
                targeted = config.targets(path);
            } catch (IllegalArgumentException ex) { // an expression that backtracks past the step limit
                throw new ModelFormatException(file.resolveSibling(CONFIG_FILE), ex.getMessage());
            }
            if (!targeted) {
                throw new ModelFormatException(file, "module " + path + " has an adapter but \"target_modules\" in "
                    + CONFIG_FILE + " does not select it");
            }
            int r = config.r();
            int in = Math.toIntExact(a.dim(1)), out = Math.toIntExact(b.dim(0));
            Tensor ta = Tensor.parameter(path + ".lora_A.weight", r, in, a.toFloatArray());
            Tensor tb = Tensor.parameter(path + ".lora_B.weight", out, r, b.toFloatArray());
            adapters.put(path, new LoraAdapter(ta, tb, config.scaling()));
        }
        return adapters;
    }

    /** Layer modules by layer number then as in a layer's forward; other modules (lm_head) after, by name. */
    private static final Comparator<String> MODEL_ORDER = Comparator
        .comparingLong((String p) -> {
            Matcher m = LAYER_MODULE.matcher(p);
            return m.matches() && m.group(1).length() < 10 ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
        })
        .thenComparingInt(p -> {
            Matcher m = LAYER_MODULE.matcher(p);
            int i = m.matches() ? MODULE_ORDER.indexOf(m.group(2)) : -1;
            return i < 0 ? MODULE_ORDER.size() : i;
        })
        .thenComparing(Comparator.naturalOrder());
}
