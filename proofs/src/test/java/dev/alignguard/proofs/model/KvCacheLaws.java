package dev.alignguard.proofs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import java.util.Random;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.AttentionOps;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.generation.Generator;
import dev.alignguard.model.generation.Sampling;
import dev.alignguard.model.llama.KvCache;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.ModelShapes;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The KV-cached decoder against its recomputing twin ({@link Generator.Decoding#RECOMPUTE}).
 *
 * <p><b>The bound is zero, and why.</b> A cached step runs, for each new row, the operations the
 * full forward runs for that row, in the same order: every product, norm and activation of a row
 * reads only that row (a gemm element is one sum over the inner index, ascending, whatever the number
 * of rows, on the scalar reference and on the Vector API backend alike), the rotary angles of a
 * position come from its index alone, and the attention of the last row over the cached keys is the
 * reference composition's last row, the full product adding only exact zeros past the causal limit.
 * So the forward error bound of the difference is 0: logits must agree bit for bit, and greedy
 * tokens (and seeded samples) must be equal. Checked on random shapes with grouped-query heads,
 * zero to three layers, prompts of several lengths, unmerged LoRA adapters, one and two threads.
 */
class KvCacheLaws {

    private static final Kernels SCALAR = Backends.create("scalar", 1);
    private static final Kernels VECTOR_1 = Backends.create("vector", 1);
    private static final Kernels VECTOR_2 = Backends.create("vector", 2);

    /** A random model and a batch of prompts of one length, with scaled-up weights so logits are far from uniform. */
    record Case(LlamaConfig config, long seed, int batch, int promptLength, int steps, boolean lora) {

        LlamaModel model() {
            LlamaModel m = LlamaModel.initialize(config, seed);
            Random rnd = new Random(seed ^ 0x5DEECE66DL);
            float gain = 1f + 30f * rnd.nextFloat(); // HF's 0.02 gives near-uniform logits; ties and clear winners both
            for (Tensor t : m.parameters().values()) {
                if (!t.name().endsWith("norm.weight")) {
                    float[] d = t.data();
                    for (int i = 0; i < d.length; i++) {
                        d[i] *= gain;
                    }
                }
            }
            if (lora && config.numHiddenLayers() > 0) {
                var adapters = m.attachLora(LoraConfig.of(2, 4, "q_proj", "k_proj", "v_proj", "o_proj"), seed);
                for (LoraAdapter a : adapters.values()) {
                    float[] b = a.b().data();
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (float) (0.3 * rnd.nextGaussian());
                    }
                }
            }
            return m;
        }

        int[][] prompts() {
            Random rnd = new Random(seed + 17);
            int[][] p = new int[batch][promptLength];
            for (int[] row : p) {
                for (int t = 0; t < promptLength; t++) {
                    row[t] = rnd.nextInt(config.vocabSize());
                }
            }
            return p;
        }
    }

    /** Shapes of {@link ModelShapes}, batch 1..4, prompt length 1..12, 0..8 decode steps, LoRA on half of them, Mixtral (3 experts, top-1 or 2) on half. */
    private static org.quicktheories.core.Gen<Case> cases() {
        org.quicktheories.core.Gen<int[]> sizes = integers().between(1, 4).zip(integers().between(1, 12), integers().between(0, 8),
            (batch, len, steps) -> new int[] {batch, len, steps});
        return ModelShapes.llamaConfigs().zip(Gaussians.seeds(), sizes, (c, seed, s) -> {
            LlamaConfig wide = new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), Math.max(c.maxPositionEmbeddings(), s[1] + s[2] + 1), c.rmsNormEps(),
                c.ropeTheta());
            if (((seed >>> 1) & 1) == 0) { // a Mixtral model on half the cases: the sparse block is row-wise too
                wide = wide.withExperts(3, 1 + (int) ((seed >>> 2) & 1), 0.0);
            }
            return new Case(wide, seed, s[0], s[1], s[2], (seed & 1) == 0);
        });
    }

    @Test
    void cachedLogitsEqualTheLastRowOfTheFullForward() {
        Laws.qt(60).forAll(cases()).checkAssert(c -> {
            for (Kernels k : new Kernels[] {SCALAR, VECTOR_1, VECTOR_2}) {
                cachedLogitsEqualFullForward(c, k);
            }
        });
    }

    private static void cachedLogitsEqualFullForward(Case c, Kernels kernels) {
        LlamaModel m = c.model();
        int[][] prompts = c.prompts();
        int b = c.batch(), vocab = c.config().vocabSize();
        int total = c.promptLength() + c.steps();
        int[][] seqs = new int[b][total];
        Random rnd = new Random(c.seed() * 31);
        for (int i = 0; i < b; i++) {
            System.arraycopy(prompts[i], 0, seqs[i], 0, c.promptLength());
            for (int t = c.promptLength(); t < total; t++) {
                seqs[i][t] = rnd.nextInt(vocab); // any continuation: the law is about logits, not about which token is fed
            }
        }
        KvCache cache = new KvCache(m.config(), b, total);
        for (int len = c.promptLength(); len <= total; len++) {
            int fresh = len - cache.length();
            int[] newTokens = new int[b * fresh];
            int[] full = new int[b * len];
            for (int i = 0; i < b; i++) {
                System.arraycopy(seqs[i], cache.length(), newTokens, i * fresh, fresh);
                System.arraycopy(seqs[i], 0, full, i * len, len);
            }
            float[] cached = m.forwardCached(kernels, newTokens, fresh, cache).data();             // [b x V]
            float[] reference = m.forward(Graph.inference(kernels), full, b, len).data();           // [b*len x V]
            for (int i = 0; i < b; i++) {
                float[] want = Arrays.copyOfRange(reference, (i * len + len - 1) * vocab, (i * len + len) * vocab);
                float[] got = Arrays.copyOfRange(cached, i * vocab, (i + 1) * vocab);
                assertArrayEquals(want, got, kernels.name() + "/" + kernels.device() + ": sequence " + i + " at length " + len + " of "
                    + c);
            }
        }
        assertEquals(total, cache.length());
    }

    @Test
    void cachedGenerationGivesTheRecomputedTokens() {
        Laws.qt(60).forAll(cases()).checkAssert(c -> {
            for (Kernels k : new Kernels[] {SCALAR, VECTOR_2}) {
                sameTokens(c, k);
            }
        });
    }

    private static void sameTokens(Case c, Kernels kernels) {
        LlamaModel m = c.model();
        int[][] prompts = c.prompts();
        int eos = (int) Math.floorMod(c.seed(), (long) c.config().vocabSize());
        for (Sampling s : new Sampling[] {Sampling.greedy(), Sampling.temperature(0.7f, c.seed())}) {
            int[][] cached = new Generator(m, kernels, c.batch(), Generator.Decoding.CACHED).generate(prompts, c.steps(), eos, s);
            int[][] recomputed = new Generator(m, kernels, c.batch(), Generator.Decoding.RECOMPUTE).generate(prompts, c.steps(), eos, s);
            for (int i = 0; i < prompts.length; i++) {
                assertArrayEquals(recomputed[i], cached[i], kernels.name() + " " + s + ": prompt " + i + " of " + c);
            }
        }
    }

    @Test
    void cachedAttentionRefusesARecordingGraph() {
        Tensor q = Tensor.zeros(1, 4);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> AttentionOps.cachedAttention(Graph.training(SCALAR), q, new float[4], new float[4], 1, 0, 1, 1, 1));
    }
}
