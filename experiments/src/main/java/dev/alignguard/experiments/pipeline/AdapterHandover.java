package dev.alignguard.experiments.pipeline;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraConfig;

/**
 * Between two tasks of a sequential study in {@code merge} mode: the trained adapter is merged into
 * the weights ({@code W += s B A}) and the next task starts from a copy of those weights with a fresh
 * adapter (B = 0), so the next task's penalties see only its own update. The fresh adapter adds
 * exactly zero, so the handed-over model computes what the merged one does, bit for bit (a law in
 * {@code proofs/.../ContinualProperties}).
 */
public final class AdapterHandover {

    private AdapterHandover() {
    }

    /**
     * A new model holding {@code model}'s merged weights with a fresh adapter drawn from {@code seed};
     * {@code model} is left merged (its forward unchanged up to the merge's rounding).
     */
    public static LlamaModel mergeAndRenew(LlamaModel model, Kernels kernels, LoraConfig lora, long seed) {
        model.mergeAdapters(kernels);
        LlamaModel next = model.copy();
        next.attachLora(lora, seed);
        return next;
    }
}
