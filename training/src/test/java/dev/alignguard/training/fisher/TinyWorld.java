package dev.alignguard.training.fisher;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;

/** A tiny random model and random alignment sequences for the estimator tests. */
final class TinyWorld {

    static final int VOCAB = 10;

    private TinyWorld() {
    }

    /** hidden 8, 1 layer, 2 heads (1 KV head), vocab 10; weights with std 0.3 so every path carries signal. */
    static LlamaModel model(long seed) {
        LlamaModel m = LlamaModel.initialize(new LlamaConfig(VOCAB, 8, 12, 1, 2, 1, 16, 1e-5, 10000.0), seed);
        Random rnd = new Random(seed);
        for (Tensor t : m.parameters().values()) {
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (t.rows() == 1 ? 1 + 0.3 * rnd.nextGaussian() : 0.3 * rnd.nextGaussian());
            }
        }
        return m;
    }

    /** n sequences: prompt 2..4 tokens, response 1..3 tokens. */
    static List<Sequence> sequences(int n, long seed) {
        Random rnd = new Random(seed);
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Sequence(rnd.ints(2 + rnd.nextInt(3), 0, VOCAB).toArray(),
                rnd.ints(1 + rnd.nextInt(3), 0, VOCAB).toArray()));
        }
        return out;
    }

    static double[][] randomGradients(int n, int d, long seed) {
        Random rnd = new Random(seed);
        double[][] g = new double[n][d];
        for (double[] row : g) {
            for (int k = 0; k < d; k++) {
                row[k] = rnd.nextGaussian();
            }
        }
        return g;
    }

    static final String Q = "model.layers.0.self_attn.q_proj";
    static final String V = "model.layers.0.self_attn.v_proj";
    static final String DOWN = "model.layers.0.mlp.down_proj";
}
