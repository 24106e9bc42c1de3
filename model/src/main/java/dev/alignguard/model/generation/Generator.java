package dev.alignguard.model.generation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.KvCache;
import dev.alignguard.model.llama.LlamaModel;

/**
 * Batched autoregressive generation. Prompts of equal length are decoded together in batches. By
 * default a {@link KvCache} holds every layer's keys and values: the prompt runs through the model
 * once (the prefill), then each step runs one new token per sequence ({@link LlamaModel#forwardCached}).
 * {@link Decoding#RECOMPUTE} is the reference twin: each step runs the whole sequence again. Both give
 * the same logits bit for bit on every backend whose rows do not depend on each other (the proofs'
 * {@code KvCacheLaws} hold them together), so the same tokens. A sequence stops at the
 * end-of-sequence token (which is not returned) or after {@code maxNewTokens}.
 *
 * <p>Determinism: greedy decoding is a pure function of the model and prompts; sampling draws from
 * one generator per prompt seeded by (seed, prompt index), so results do not depend on batching.
 */
public final class Generator {

    /** How each step's logits are computed. */
    public enum Decoding {
        /** Prefill once, then one token per sequence per step over the cached keys and values. */
        CACHED,
        /** The whole sequence again every step: the reference twin of {@link #CACHED}. */
        RECOMPUTE
    }

    private final LlamaModel model;
    private final Kernels kernels;
    private final int batchSize;
    private final Decoding decoding;

    /** A KV-cached generator. */
    public Generator(LlamaModel model, Kernels kernels, int batchSize) {
        this(model, kernels, batchSize, Decoding.CACHED);
    }

    public Generator(LlamaModel model, Kernels kernels, int batchSize, Decoding decoding) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.model = model;
        this.kernels = kernels;
        this.batchSize = batchSize;
        this.decoding = java.util.Objects.requireNonNull(decoding, "decoding");
    }

    /** The generated continuation of each prompt (without the prompt, cut before eos). */
    public int[][] generate(int[][] prompts, int maxNewTokens, int eosId, Sampling sampling) {
        int[][] results = new int[prompts.length][];
        Map<Integer, List<Integer>> byLength = new LinkedHashMap<>();
        for (int i = 0; i < prompts.length; i++) {
            byLength.computeIfAbsent(prompts[i].length, n -> new ArrayList<>()).add(i);
        }
        for (List<Integer> group : byLength.values()) {
            for (int from = 0; from < group.size(); from += batchSize) {
                List<Integer> batch = group.subList(from, Math.min(group.size(), from + batchSize));
                decodeBatch(prompts, batch, maxNewTokens, eosId, sampling, results);
            }
        }
        return results;
    }

    private void decodeBatch(int[][] prompts, List<Integer> batch, int maxNewTokens, int eosId,
                             Sampling sampling, int[][] results) {
        int b = batch.size();
        int promptLen = prompts[batch.getFirst()].length;
        int maxLen = Math.min(promptLen + maxNewTokens, model.config().maxPositionEmbeddings());
        int[][] seqs = new int[b][];
        Random[] rngs = new Random[b];
        boolean[] done = new boolean[b];
        int[] produced = new int[b];
        for (int i = 0; i < b; i++) {
            seqs[i] = Arrays.copyOf(prompts[batch.get(i)], maxLen);
            rngs[i] = new Random(sampling.seed() * 0x9E3779B97F4A7C15L + batch.get(i));
        }
        int vocab = model.config().vocabSize();
        KvCache cache = decoding == Decoding.CACHED ? new KvCache(model.config(), b, maxLen) : null;
        for (int len = promptLen; len < maxLen; len++) {
            Tensor logits;
            int rowOf; // logits row of sequence i's last position: i * rowOf + rowOf - 1
            if (cache == null) {
                int[] tokens = new int[b * len];
                for (int i = 0; i < b; i++) {
                    System.arraycopy(seqs[i], 0, tokens, i * len, len);
                }
                logits = model.forward(Graph.inference(kernels), tokens, b, len); // [b*len x V]
                rowOf = len;
            } else {
                int fresh = len - cache.length(); // the prompt at first, then the one token chosen last step
                int[] tokens = new int[b * fresh];
                for (int i = 0; i < b; i++) {
                    System.arraycopy(seqs[i], cache.length(), tokens, i * fresh, fresh);
                }
                logits = model.forwardCached(kernels, tokens, fresh, cache); // [b x V]
                rowOf = 1;
            }
            boolean all = true;
            for (int i = 0; i < b; i++) {
                if (done[i]) {
                    continue;
                }
                int row = (i * rowOf + rowOf - 1) * vocab;
                int next = sampling.isGreedy() ? argmax(logits.data(), row, vocab)
                    : sample(logits.data(), row, vocab, sampling.temperature(), rngs[i]);
                if (next == eosId) {
                    done[i] = true;
                } else {
                    seqs[i][len] = next;
                    produced[i]++;
                    all = false;
                }
            }
            if (all) {
                break;
            }
        }
        for (int i = 0; i < b; i++) {
            results[batch.get(i)] = Arrays.copyOfRange(seqs[i], promptLen, promptLen + produced[i]);
        }
    }

    static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) {
            if (x[off + j] > x[off + best]) {
                best = j;
            }
        }
        return best;
    }

    static int sample(float[] x, int off, int n, float temperature, Random rnd) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x[off + j]);
        }
        double[] p = new double[n];
        double total = 0;
        for (int j = 0; j < n; j++) {
            p[j] = Math.exp((x[off + j] - max) / temperature);
            total += p[j];
        }
        double u = rnd.nextDouble() * total;
        for (int j = 0; j < n; j++) {
            u -= p[j];
            if (u < 0) {
                return j;
            }
        }
        return n - 1;
    }
}
