package dev.alignguard.model.hf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;

/**
 * What {@link AdapterFiles#load} found in an adapter folder.
 *
 * @param config               the LoRA settings from {@code adapter_config.json}
 * @param adapters             the adapters by module path (e.g. {@code model.layers.0.self_attn.q_proj}),
 *                             in model order; their A and B are bit-identical to the saved ones and
 *                             their scaling is {@code config.scaling()}
 * @param baseModelNameOrPath  peft's {@code base_model_name_or_path}, or null when not recorded
 */
public record LoadedAdapters(LoraConfig config, Map<String, LoraAdapter> adapters, String baseModelNameOrPath) {

    public LoadedAdapters {
        Objects.requireNonNull(config, "config");
        adapters = Collections.unmodifiableMap(new LinkedHashMap<>(adapters));
    }

    /**
     * Attaches the adapters to {@code model} (freezing its base), with the config's dropout and
     * dropout generators seeded by (seed, module path). Every module must exist in the model with
     * the adapter's in and out sizes.
     *
     * @throws IllegalArgumentException naming the module when one is absent or does not fit
     */
    public void attachTo(LlamaModel model, long seed) {
        for (Map.Entry<String, LoraAdapter> e : adapters.entrySet()) {
            Linear target = model.linears().stream().filter(l -> l.path().equals(e.getKey())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("adapter for " + e.getKey()
                    + ": the model has no such linear module (it has " + model.config().numHiddenLayers() + " layers)"));
            LoraAdapter a = e.getValue();
            if (a.a().cols() != target.inFeatures() || a.b().rows() != target.outFeatures()) {
                throw new IllegalArgumentException("adapter for " + e.getKey() + ": A is " + a.a().shape() + " and B is "
                    + a.b().shape() + ", which do not fit the model's weight " + target.weight().shape() + " (out x in)");
            }
        }
        model.attachAdapters(adapters, (float) config.loraDropout(), seed);
    }
}
