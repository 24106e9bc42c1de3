package dev.alignguard.experiments.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.hf.AdapterFiles;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;

/**
 * A finished trial's update in peft's form, to keep as an adapter folder ({@link AdapterFiles}).
 *
 * <p>Most methods train a plain LoRA adapter, and that is what is kept: the trial's own A and B, bit
 * for bit, with the trial's LoRA config. Two methods route the update through a transform the peft
 * format cannot describe (hard projection: {@code (I - P_A) s B A}; Safe-LoRA: {@code C s B A} on the
 * layers it projects). Their update {@code dW = T(s B A)} (out x in) is kept <em>dense</em>, as a LoRA
 * whose product is exactly dW: rank {@code r = max d_in} over the adapted layers, {@code lora_alpha = r}
 * (scaling 1), {@code A = [I; 0]} (r x d_in) and {@code B = [dW, 0]} (d_out x r). Every entry of
 * {@code B A} is then one product by 1 plus products by 0, so {@code s B A} equals dW bit for bit.
 *
 * @param config   the LoRA config the adapters have (the trial's, or the dense form's)
 * @param adapters by module path, in model order; copies, not the trial's live tensors
 * @param dense    whether this is the dense form
 */
public record TrialAdapter(LoraConfig config, Map<String, LoraAdapter> adapters, boolean dense) {

    public TrialAdapter {
        adapters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(adapters));
    }

    /** The model's update after training ({@code config}: the LoRA config the trial attached). */
    public static TrialAdapter of(LlamaModel model, LoraConfig config, Kernels kernels) {
        boolean transformed = model.linears().stream().anyMatch(l -> l.adapter() != null && l.deltaTransform() != null);
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        if (!transformed) {
            for (Map.Entry<String, LoraAdapter> e : model.adapters().entrySet()) {
                LoraAdapter a = e.getValue();
                out.put(e.getKey(), new LoraAdapter(copy(a.a(), e.getKey() + ".lora_A.weight"), copy(a.b(), e.getKey()
                    + ".lora_B.weight"), a.scaling()));
            }
            return new TrialAdapter(config, out, false);
        }
        int r = model.linears().stream().filter(l -> l.adapter() != null).mapToInt(Linear::inFeatures).max().orElseThrow();
        for (Linear l : model.linears()) {
            if (l.adapter() == null) {
                continue;
            }
            int dOut = l.outFeatures(), dIn = l.inFeatures();
            float[] dw = l.effectiveDelta(Graph.inference(kernels)).data();         // dOut x dIn
            float[] a = new float[r * dIn];                                          // r x dIn: [I; 0]
            float[] b = new float[dOut * r];                                         // dOut x r: [dW, 0]
            for (int i = 0; i < dIn; i++) {
                a[i * dIn + i] = 1f;
            }
            for (int o = 0; o < dOut; o++) {
                System.arraycopy(dw, o * dIn, b, o * r, dIn);
            }
            out.put(l.path(), new LoraAdapter(Tensor.parameter(l.path() + ".lora_A.weight", r, dIn, a),
                Tensor.parameter(l.path() + ".lora_B.weight", dOut, r, b), 1f));
        }
        LoraConfig denseConfig = new LoraConfig(r, r, config.loraDropout(), config.targetModules(), config.targetRegex(), false);
        return new TrialAdapter(denseConfig, out, true);
    }

    /** Writes {@code adapter_config.json} and {@code adapter_model.safetensors} into {@code dir}. */
    public void save(Path dir) throws IOException {
        AdapterFiles.save(adapters, config, null, dir);
    }

    private static Tensor copy(Tensor t, String name) {
        return Tensor.parameter(name, t.rows(), t.cols(), t.data().clone());
    }
}
