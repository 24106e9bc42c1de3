package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The whole model's gradient (next-token cross-entropy) agrees with finite differences, for the
 * full model and for LoRA-only training, on random small configurations including grouped-query
 * attention. Weights are drawn with std 0.3 (larger than the 0.02 of a fresh model) so every path
 * carries signal.
 */
class ModelGradientProperties {

    private static LlamaModel randomModel(int vocab, int hidden, int heads, int kvHeads, int layers, long seed) {
        LlamaConfig c = new LlamaConfig(vocab, hidden, hidden + 3, layers, heads, kvHeads, 16, 1e-5, 10000.0);
        LlamaModel m = LlamaModel.initialize(c, seed);
        Random rnd = new Random(seed);
        for (Tensor t : m.parameters().values()) {
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (t.rows() == 1 ? 1 + 0.3 * rnd.nextGaussian() : 0.3 * rnd.nextGaussian());
            }
        }
        return m;
    }

    /** A random configuration: kvHeads KV heads, group query heads per KV head, layers, sequence length, weights' seed. */
    record Shape(int kvHeads, int group, int layers, int seq, long seed) {
    }

    @Test
    void fullModelGradient() {
        Laws.qt(12).forAll(integers().between(1, 2).zip(integers().between(1, 2), integers().between(1, 2),
            integers().between(2, 5), Gaussians.seeds(), Shape::new)).checkAssert(ModelGradientProperties::fullModelGradient);
    }

    private static void fullModelGradient(Shape shape) {
        int kvHeads = shape.kvHeads(), group = shape.group(), layers = shape.layers(), seq = shape.seq();
        long seed = shape.seed();
        int heads = kvHeads * group, hidden = heads * 4, vocab = 11, batch = 2;
        LlamaModel m = randomModel(vocab, hidden, heads, kvHeads, layers, seed);
        Random rnd = new Random(seed);
        int[] tokens = rnd.ints(batch * seq, 0, vocab).toArray();
        int[] targets = rnd.ints(batch * seq, 0, vocab).toArray();
        List<Tensor> params = new ArrayList<>(m.parameters().values());
        assertNull(GradientCheck.check(g -> NeuralOps.crossEntropy(g, m.forward(g, tokens, batch, seq), targets, null),
            params, 12, seed, Backends.create("vector", 2)));
    }

    @Test
    void loraOnlyGradient() {
        Laws.qt(12).forAll(integers().between(1, 4), booleans().all(), Gaussians.seeds())
            .checkAssert(ModelGradientProperties::loraOnlyGradient);
    }

    private static void loraOnlyGradient(int r, boolean rslora, long seed) {
        LlamaModel m = randomModel(9, 8, 2, 1, 2, seed);
        Map<String, LoraAdapter> adapters = m.attachLora(
            LoraConfig.of(r, 2 * r, "q_proj", "v_proj", "down_proj").withRslora(rslora), seed);
        Random rnd = new Random(seed + 1);
        List<Tensor> params = new ArrayList<>();
        for (LoraAdapter a : adapters.values()) { // B = 0 at init would hide A's gradient: randomise it
            for (int i = 0; i < a.b().size(); i++) {
                a.b().data()[i] = (float) (0.3 * rnd.nextGaussian());
            }
            params.add(a.a());
            params.add(a.b());
        }
        int batch = 2, seq = 4;
        int[] tokens = rnd.ints(batch * seq, 0, 9).toArray();
        int[] targets = rnd.ints(batch * seq, 0, 9).toArray();
        assertNull(GradientCheck.check(g -> NeuralOps.crossEntropy(g, m.forward(g, tokens, batch, seq), targets, null),
            params, 16, seed));
        for (Tensor t : m.parameters().values()) {
            if (t.hasGrad()) {
                for (float v : t.grad()) {
                    if (v != 0f) {
                        throw new AssertionError("frozen base parameter " + t.name() + " received a gradient");
                    }
                }
            }
        }
    }
}
