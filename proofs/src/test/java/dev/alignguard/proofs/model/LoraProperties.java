package dev.alignguard.proofs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.experiments.pipeline.TrialAdapter;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.hf.LoadedAdapters;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.LoraShapes;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The laws of LoRA: a fresh adapter changes nothing; merging does not change the function; a transformed
 * update kept as a dense adapter is exact.
 */
class LoraProperties {

    private static final Kernels K = Backends.create("vector", 2);

    private static LlamaModel model(long seed) {
        return LlamaModel.initialize(new LlamaConfig(13, 16, 24, 2, 4, 2, 16, 1e-5, 10000.0), seed);
    }

    private static float[] logits(LlamaModel m, int[] tokens, int batch, int seq) {
        return m.forward(Graph.inference(K), tokens, batch, seq).data();
    }

    @Test
    void freshAdapterLeavesOutputsUnchangedBitForBit() {
        Laws.qt(15).forAll(LoraShapes.ranks(8), Gaussians.seeds()).checkAssert(LoraProperties::freshAdapterIsANoOp);
    }

    private static void freshAdapterIsANoOp(int r, long seed) {
        LlamaModel m = model(seed);
        int[] tokens = new Random(seed).ints(2 * 6, 0, 13).toArray();
        float[] before = logits(m, tokens, 2, 6);
        m.attachLora(LoraConfig.of(r, 16, LoraConfig.ALL_LINEAR), seed);
        // B = 0 makes the adapter path exactly 0, and y + 0 == y in IEEE arithmetic
        assertArrayEquals(before, logits(m, tokens, 2, 6));
    }

    /**
     * merged (x (W + s B A)^T) equals unmerged (x W^T + s x A^T B^T) up to float rounding of the
     * reassociated products: each logit is a sum of O(C) products per layer, so we allow
     * 1e-4 relative to the largest logit, ~1000 u.
     */
    @Test
    void mergedForwardEqualsUnmerged() {
        Laws.qt(15).forAll(LoraShapes.ranks(8), Gaussians.seeds()).checkAssert(LoraProperties::mergedEqualsUnmerged);
    }

    private static void mergedEqualsUnmerged(int r, long seed) {
        LlamaModel m = model(seed);
        var adapters = m.attachLora(LoraConfig.of(r, 2 * r, "q_proj", "k_proj", "v_proj", "o_proj", "up_proj"), seed);
        Random rnd = new Random(seed);
        for (LoraAdapter a : adapters.values()) {
            float[] b = a.b().data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.05 * rnd.nextGaussian());
            }
        }
        int[] tokens = rnd.ints(3 * 5, 0, 13).toArray();
        float[] unmerged = logits(m, tokens, 3, 5);
        float[] weightBefore = m.linear("model.layers.0.self_attn.q_proj").weight().data().clone();
        m.mergeAdapters(K);
        float[] merged = logits(m, tokens, 3, 5);
        float scale = 0;
        for (float v : unmerged) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < merged.length; i++) {
            Bounds.atMost(Math.abs(merged[i] - unmerged[i]), 1e-4f * scale + 1e-6f,
                "logit " + i + ": merged " + merged[i] + " vs unmerged " + unmerged[i]);
        }
        m.unmergeAdapters(K);
        float[] weightAfter = m.linear("model.layers.0.self_attn.q_proj").weight().data();
        for (int i = 0; i < weightAfter.length; i++) {
            Bounds.atMost(Math.abs(weightAfter[i] - weightBefore[i]), 1e-6f, "unmerge restores W up to rounding at " + i);
        }
    }

    /**
     * A trial whose update passes through a transform (hard projection, Safe-LoRA) is kept as a dense LoRA
     * ({@code TrialAdapter}: A = [I; 0], B = [T(dW), 0], scaling 1). Its {@code s B A} is T(dW) bit for bit,
     * whatever the layers' sizes (each entry is one product by 1 plus products by 0, exact in any order), so
     * the merged model with the kept adapter equals the merged transformed model bit for bit.
     */
    @Test
    void aTransformedUpdateKeptDenseIsExact() {
        Laws.qt(10).forAll(LoraShapes.ranks(8), Gaussians.seeds()).checkAssert(LoraProperties::keptDenseIsExact);
    }

    private static void keptDenseIsExact(int r, long seed) {
        LlamaModel m = model(seed);
        LoraConfig lora = LoraConfig.of(r, 2 * r, "q_proj", "v_proj", "down_proj");  // d_in 16, 16 and 24
        Random rnd = new Random(seed);
        for (LoraAdapter a : m.attachLora(lora, seed).values()) {
            float[] b = a.b().data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.05 * rnd.nextGaussian());
            }
        }
        for (String layer : m.adapters().keySet()) { // T(dW) = C dW with a random C (d_out x d_out), as Safe-LoRA's
            int out = m.linear(layer).outFeatures();
            float[] c = new float[out * out];
            for (int i = 0; i < c.length; i++) {
                c[i] = (float) (0.3 * rnd.nextGaussian());
            }
            Tensor ct = Tensor.of(out, out, c);
            m.linear(layer).setDeltaTransform((g, delta) -> MatrixOps.matmul(g, ct, false, delta, false));
        }
        TrialAdapter kept = TrialAdapter.of(m, lora, K);
        LlamaModel fresh = model(seed);
        new LoadedAdapters(kept.config(), kept.adapters(), null).attachTo(fresh, 0);
        for (String layer : m.adapters().keySet()) {
            assertArrayEquals(m.linear(layer).effectiveDelta(Graph.inference(K)).data(),
                fresh.linear(layer).adapter().deltaWeightValues(K), layer);
        }
        int[] tokens = rnd.ints(2 * 5, 0, 13).toArray();
        m.mergeAdapters(K);
        fresh.mergeAdapters(K);
        assertArrayEquals(logits(m, tokens, 2, 5), logits(fresh, tokens, 2, 5));
    }

    @Test
    void sameSeedSameWeights() {
        Laws.qt(10).forAll(Gaussians.seeds()).checkAssert(LoraProperties::sameSeedSameWeights);
    }

    private static void sameSeedSameWeights(long seed) {
        LlamaModel a = model(seed), b = model(seed);
        for (var e : a.parameters().entrySet()) {
            Tensor other = b.parameters().get(e.getKey());
            assertArrayEquals(e.getValue().data(), other.data(), e.getKey());
        }
    }
}
