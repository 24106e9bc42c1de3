package dev.alignguard.model.llama;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.AttentionOps;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.MoeOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;

/**
 * A decoder-only transformer with the semantics of Hugging Face's {@code LlamaForCausalLM}:
 * <pre>
 *   h = embed_tokens[ids]                                           [B*T x C]
 *   for each layer:
 *     h = h + o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1)))   n1 = RMSNorm(h) * input_layernorm
 *     h = h + down_proj(silu(gate_proj(n2)) * up_proj(n2))                   n2 = RMSNorm(h) * post_attention_layernorm
 *       (a Mixtral config: h = h + block_sparse_moe(n2), see SparseMoe)
 *   logits = lm_head(RMSNorm(h) * norm)                             [B*T x V]
 * </pre>
 * Untied LM head, no biases, grouped-query attention when num_key_value_heads < num_attention_heads.
 * Parameters carry HF's names ({@code model.layers.N.self_attn.q_proj.weight}, ...; Mixtral's
 * {@code model.layers.N.block_sparse_moe.gate.weight} and {@code ...block_sparse_moe.experts.E.w1.weight}).
 */
public final class LlamaModel {

    /**
     * One decoder layer's modules: a dense MLP ({@code gateProj, upProj, downProj}, {@code moe} null) or,
     * in a Mixtral config, a sparse block ({@code moe}, the three MLP projections null).
     */
    public record Layer(Tensor inputLayernorm, Linear qProj, Linear kProj, Linear vProj, Linear oProj,
                        Tensor postAttentionLayernorm, Linear gateProj, Linear upProj, Linear downProj, SparseMoe moe) {
        List<Linear> linears() {
            if (moe != null) {
                List<Linear> all = new ArrayList<>(List.of(qProj, kProj, vProj, oProj));
                all.addAll(moe.linears());
                return all;
            }
            return List.of(qProj, kProj, vProj, oProj, gateProj, upProj, downProj);
        }
    }

    /** Standard deviation of the normal initialisation (HF's initializer_range default). */
    public static final double INITIALIZER_RANGE = 0.02;

    private final LlamaConfig config;
    private final Tensor embedTokens; // [V x C]
    private final List<Layer> layers;
    private final Tensor norm;        // [1 x C]
    private final Linear lmHead;      // [V x C]
    private final Map<String, Tensor> parameters; // HF name -> tensor, in HF order

    private LlamaModel(LlamaConfig config, Map<String, Tensor> params) {
        this.config = config;
        this.parameters = Collections.unmodifiableMap(params);
        this.embedTokens = params.get("model.embed_tokens.weight");
        this.norm = params.get("model.norm.weight");
        this.lmHead = new Linear("lm_head", params.get("lm_head.weight"));
        List<Layer> ls = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            boolean moe = config.isMoe();
            ls.add(new Layer(
                params.get(p + "input_layernorm.weight"),
                linear(params, p + "self_attn.q_proj"), linear(params, p + "self_attn.k_proj"),
                linear(params, p + "self_attn.v_proj"), linear(params, p + "self_attn.o_proj"),
                params.get(p + "post_attention_layernorm.weight"),
                moe ? null : linear(params, p + "mlp.gate_proj"), moe ? null : linear(params, p + "mlp.up_proj"),
                moe ? null : linear(params, p + "mlp.down_proj"), moe ? sparseMoe(params, p + "block_sparse_moe", config) : null));
        }
        this.layers = List.copyOf(ls);
    }

    private static Linear linear(Map<String, Tensor> params, String path) {
        return new Linear(path, params.get(path + ".weight"));
    }

    private static SparseMoe sparseMoe(Map<String, Tensor> params, String path, LlamaConfig config) {
        List<SparseMoe.Expert> experts = new ArrayList<>();
        for (int e = 0; e < config.numLocalExperts(); e++) {
            String p = path + ".experts." + e + ".";
            experts.add(new SparseMoe.Expert(linear(params, p + "w1"), linear(params, p + "w2"), linear(params, p + "w3")));
        }
        return new SparseMoe(path, linear(params, path + ".gate"), experts, config.numExpertsPerTok());
    }

    /** Every parameter's HF name and shape (rows x cols), in HF order. */
    public static Map<String, int[]> parameterShapes(LlamaConfig c) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        int h = c.hiddenSize(), kv = c.numKeyValueHeads() * c.headDim(), f = c.intermediateSize();
        shapes.put("model.embed_tokens.weight", new int[] {c.vocabSize(), h});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "self_attn.q_proj.weight", new int[] {h, h});
            shapes.put(p + "self_attn.k_proj.weight", new int[] {kv, h});
            shapes.put(p + "self_attn.v_proj.weight", new int[] {kv, h});
            shapes.put(p + "self_attn.o_proj.weight", new int[] {h, h});
            if (c.isMoe()) {
                shapes.put(p + "block_sparse_moe.gate.weight", new int[] {c.numLocalExperts(), h});
                for (int e = 0; e < c.numLocalExperts(); e++) {
                    String x = p + "block_sparse_moe.experts." + e + ".";
                    shapes.put(x + "w1.weight", new int[] {f, h});
                    shapes.put(x + "w2.weight", new int[] {h, f});
                    shapes.put(x + "w3.weight", new int[] {f, h});
                }
            } else {
                shapes.put(p + "mlp.gate_proj.weight", new int[] {f, h});
                shapes.put(p + "mlp.up_proj.weight", new int[] {f, h});
                shapes.put(p + "mlp.down_proj.weight", new int[] {h, f});
            }
            shapes.put(p + "input_layernorm.weight", new int[] {1, h});
            shapes.put(p + "post_attention_layernorm.weight", new int[] {1, h});
        }
        shapes.put("model.norm.weight", new int[] {1, h});
        shapes.put("lm_head.weight", new int[] {c.vocabSize(), h});
        return shapes;
    }

    /**
     * A seeded random model: linear and embedding weights ~ N(0, 0.02^2), norms = 1 (as HF).
     * Each parameter draws from its own generator seeded by (seed, name), so the same seed gives
     * the same weights bit for bit and one parameter's values do not depend on the others.
     */
    public static LlamaModel initialize(LlamaConfig config, long seed) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        parameterShapes(config).forEach((name, shape) -> {
            float[] v = new float[shape[0] * shape[1]];
            if (name.endsWith("layernorm.weight") || name.equals("model.norm.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else {
                Random rnd = seededFor(seed, name);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rnd.nextGaussian() * INITIALIZER_RANGE);
                }
            }
            params.put(name, Tensor.parameter(name, shape[0], shape[1], v));
        });
        return new LlamaModel(config, params);
    }

    /** A model over given values (e.g. read from model.safetensors); every name and shape is checked. */
    public static LlamaModel fromValues(LlamaConfig config, Map<String, float[]> values, String source) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        Map<String, int[]> shapes = parameterShapes(config);
        for (var e : shapes.entrySet()) {
            float[] v = values.get(e.getKey());
            int[] s = e.getValue();
            if (v == null) {
                throw new IllegalArgumentException(source + ": missing parameter " + e.getKey());
            }
            if (v.length != s[0] * s[1]) {
                throw new IllegalArgumentException(source + ": parameter " + e.getKey() + " has " + v.length
                    + " values, expected " + s[0] + " x " + s[1]);
            }
            params.put(e.getKey(), Tensor.parameter(e.getKey(), s[0], s[1], v));
        }
        for (String name : values.keySet()) {
            if (!shapes.containsKey(name)) {
                throw new IllegalArgumentException(source + ": unexpected parameter " + name + " for this config");
            }
        }
        return new LlamaModel(config, params);
    }

    static Random seededFor(long seed, String name) {
        return new Random(seed * 0x9E3779B97F4A7C15L + name.hashCode());
    }

    public LlamaConfig config() {
        return config;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** Parameters by HF name, in HF order (views: mutating a tensor's data changes the model). */
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /** Every linear module, in order (the seven of each layer, then lm_head). */
    public List<Linear> linears() {
        List<Linear> all = new ArrayList<>();
        for (Layer l : layers) {
            all.addAll(l.linears());
        }
        all.add(lmHead);
        return all;
    }

    public Linear linear(String path) {
        for (Linear l : linears()) {
            if (l.path().equals(path)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no linear module at " + path);
    }

    /**
     * Logits of a batch of equal-length sequences.
     * @param tokens {@code batch * seq} ids, sequence-major
     * @return {@code [batch * seq x vocab]} logits; row {@code b * seq + t} predicts token t + 1
     */
    public Tensor forward(Graph g, int[] tokens, int batch, int seq) {
        return forward(g, tokens, batch, seq, null);
    }

    /**
     * Logits as {@link #forward(Graph, int[], int, int)}, and, in a Mixtral config when
     * {@code routerLogits} is not null, each layer's router logits ({@code [B*T x E]}) appended to it,
     * for {@link #routerAuxLoss}.
     */
    public Tensor forward(Graph g, int[] tokens, int batch, int seq, List<Tensor> routerLogits) {
        if (tokens.length != batch * seq) {
            throw new IllegalArgumentException(tokens.length + " tokens is not " + batch + " sequences of " + seq);
        }
        if (seq > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence length " + seq + " exceeds max_position_embeddings "
                + config.maxPositionEmbeddings());
        }
        float eps = (float) config.rmsNormEps();
        float theta = (float) config.ropeTheta();
        int heads = config.numAttentionHeads(), kvHeads = config.numKeyValueHeads(), hd = config.headDim();
        Tensor h = NeuralOps.embedding(g, embedTokens, tokens);                 // [B*T x C]
        for (Layer l : layers) {
            Tensor n1 = NeuralOps.rmsNorm(g, h, l.inputLayernorm(), eps);
            Tensor q = AttentionOps.rope(g, l.qProj().forward(g, n1), seq, hd, theta);   // [B*T x H*hd]
            Tensor k = AttentionOps.rope(g, l.kProj().forward(g, n1), seq, hd, theta);   // [B*T x KVH*hd]
            Tensor v = l.vProj().forward(g, n1);                                          // [B*T x KVH*hd]
            Tensor att = AttentionOps.causalSelfAttention(g, q, k, v, seq, heads, kvHeads);
            h = MatrixOps.add(g, h, l.oProj().forward(g, att));
            Tensor n2 = NeuralOps.rmsNorm(g, h, l.postAttentionLayernorm(), eps);
            h = MatrixOps.add(g, h, feedForward(g, l, n2, routerLogits));
        }
        Tensor out = NeuralOps.rmsNorm(g, h, norm, eps);
        return lmHead.forward(g, out);                                           // [B*T x V]
    }

    /**
     * A layer's feed-forward block on its normed input {@code x} ({@code [rows x C]}, rows independent):
     * the dense SwiGLU MLP {@code down(silu(gate x) * up x)}, or for a Mixtral layer its sparse block,
     * whose router logits are added to {@code routerLogits} when that list is given.
     */
    private static Tensor feedForward(Graph g, Layer l, Tensor x, List<Tensor> routerLogits) {
        if (l.moe() != null) {
            SparseMoe.Output moe = l.moe().forward(g, x);                                 // [rows x C]
            if (routerLogits != null) {
                routerLogits.add(moe.routerLogits());
            }
            return moe.hidden();
        }
        Tensor gate = l.gateProj().forward(g, x);                                         // [rows x F]
        Tensor up = l.upProj().forward(g, x);
        return l.downProj().forward(g, NeuralOps.swiglu(g, gate, up));                    // [rows x C]
    }

    /**
     * Logits of the last of {@code n} new tokens of each sequence, given the keys and values of the
     * tokens before them in {@code cache} (empty for a prompt: the prefill), which it extends by the
     * new positions. Inference only. The recomputing twin is {@link #forward}: every layer runs the
     * same operations on the new rows (each row's products, norms and activations do not depend on
     * the other rows; a prefill runs {@link AttentionOps#causalSelfAttention} itself, a decode step
     * {@link AttentionOps#cachedAttention} over the cached positions), so the logits equal the
     * last row of {@code forward} over the whole sequence.
     *
     * @param tokens {@code batch * n} ids, sequence-major
     * @return {@code [batch x vocab]} logits predicting position {@code cache.length()} (after the call)
     */
    public Tensor forwardCached(Kernels kernels, int[] tokens, int n, KvCache cache) {
        int batch = cache.batch(), start = cache.length();
        if (n < 1 || tokens.length != batch * n) {
            throw new IllegalArgumentException(tokens.length + " tokens is not " + batch + " sequences of " + n + " (>= 1) new tokens");
        }
        if (start + n > cache.capacity()) {
            throw new IllegalArgumentException("position " + (start + n) + " exceeds the KV cache's capacity " + cache.capacity());
        }
        Graph g = Graph.inference(kernels);
        float eps = (float) config.rmsNormEps();
        float theta = (float) config.ropeTheta();
        int heads = config.numAttentionHeads(), kvHeads = config.numKeyValueHeads(), hd = config.headDim();
        Tensor h = NeuralOps.embedding(g, embedTokens, tokens);                 // [B*n x C]
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Tensor n1 = NeuralOps.rmsNorm(g, h, l.inputLayernorm(), eps);
            Tensor q = AttentionOps.rope(g, l.qProj().forward(g, n1), n, start, hd, theta);   // [B*n x H*hd]
            Tensor k = AttentionOps.rope(g, l.kProj().forward(g, n1), n, start, hd, theta);   // [B*n x KVH*hd]
            Tensor v = l.vProj().forward(g, n1);                                               // [B*n x KVH*hd]
            cache.write(i, k.data(), v.data(), n);
            Tensor att = start == 0 ? AttentionOps.causalSelfAttention(g, q, k, v, n, heads, kvHeads)
                : AttentionOps.cachedAttention(g, q, cache.keys(i), cache.values(i), cache.capacity(), start, n, heads, kvHeads);
            h = MatrixOps.add(g, h, l.oProj().forward(g, att));
            Tensor n2 = NeuralOps.rmsNorm(g, h, l.postAttentionLayernorm(), eps);
            h = MatrixOps.add(g, h, feedForward(g, l, n2, null));
        }
        cache.advance(n);
        int c = config.hiddenSize();
        float[] last = new float[batch * c];                                     // [B x C]: each sequence's last row
        for (int b = 0; b < batch; b++) {
            System.arraycopy(h.data(), (b * n + n - 1) * c, last, b * c, c);
        }
        Tensor out = NeuralOps.rmsNorm(g, Tensor.of(batch, c, last), norm, eps);
        return lmHead.forward(g, out);                                           // [B x V]
    }

    /**
     * {@code router_aux_loss_coef} times HF Mixtral's load-balancing loss over the router logits of one
     * forward pass ({@link MoeOps#loadBalancingLoss}), the term {@code MixtralForCausalLM} adds to the
     * language-model loss; null for a dense model or a coefficient of 0.
     */
    public Tensor routerAuxLoss(Graph g, List<Tensor> routerLogits) {
        if (!config.isMoe() || config.routerAuxLossCoef() == 0 || routerLogits.isEmpty()) {
            return null;
        }
        return MatrixOps.scale(g, MoeOps.loadBalancingLoss(g, routerLogits, config.numExpertsPerTok()),
            (float) config.routerAuxLossCoef());
    }

    /** The sparse blocks of a Mixtral model, in layer order (empty for a dense model). */
    public List<SparseMoe> sparseBlocks() {
        List<SparseMoe> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l.moe() != null) {
                out.add(l.moe());
            }
        }
        return out;
    }

    /** Installs (or with null removes) a routing observer on every sparse block. */
    public void setRoutingObserver(SparseMoe.Observer observer) {
        sparseBlocks().forEach(b -> b.setObserver(observer));
    }

    // ---------------------------------------------------------------- LoRA

    /**
     * Freezes the base model and attaches fresh adapters to every module the config targets.
     * Adapter A matrices are drawn from a generator seeded by (seed, module path).
     * @return the adapters by module path, in model order
     */
    public Map<String, LoraAdapter> attachLora(LoraConfig lora, long seed) {
        Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        for (Linear l : linears()) {
            if (lora.targets(l.path())) {
                LoraAdapter a = LoraAdapter.initialize(l.path(), l.outFeatures(), l.inFeatures(), lora,
                    seededFor(seed, l.path() + ".lora_A"));
                l.setAdapter(a, (float) lora.loraDropout(), seededFor(seed, l.path() + ".dropout"));
                adapters.put(l.path(), a);
            }
        }
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("LoRA target_modules " + lora.targetModules()
                + (lora.targetRegex() == null ? "" : " / " + lora.targetRegex()) + " match no linear module");
        }
        setBaseTrainable(false);
        return adapters;
    }

    /** Attaches given adapters (e.g. loaded from disk) by module path and freezes the base. */
    public void attachAdapters(Map<String, LoraAdapter> adapters, float dropout, long seed) {
        for (var e : adapters.entrySet()) {
            linear(e.getKey()).setAdapter(e.getValue(), dropout, seededFor(seed, e.getKey() + ".dropout"));
        }
        setBaseTrainable(false);
    }

    /** Removes every adapter (unmerging first) and makes the base trainable again. */
    public void detachLora(Kernels kernels) {
        for (Linear l : linears()) {
            l.unmerge(kernels);
            l.setAdapter(null, 0f, null);
        }
        setBaseTrainable(true);
    }

    /** The attached adapters by module path. */
    public Map<String, LoraAdapter> adapters() {
        Map<String, LoraAdapter> m = new LinkedHashMap<>();
        for (Linear l : linears()) {
            if (l.adapter() != null) {
                m.put(l.path(), l.adapter());
            }
        }
        return m;
    }

    /** Re-seeds every adapter's dropout generator from (seed, module path): masks become a function of the seed. */
    public void reseedDropout(long seed) {
        for (Linear l : linears()) {
            if (l.adapter() != null) {
                l.reseedDropout(seededFor(seed, l.path() + ".dropout"));
            }
        }
    }

    public void mergeAdapters(Kernels kernels) {
        linears().forEach(l -> l.merge(kernels));
    }

    public void unmergeAdapters(Kernels kernels) {
        linears().forEach(l -> l.unmerge(kernels));
    }

    public void setBaseTrainable(boolean trainable) {
        parameters.values().forEach(t -> t.setRequiresGrad(trainable));
    }

    /** The tensors an optimizer should update: adapters when attached, else every parameter. */
    public List<Tensor> trainableParameters() {
        List<Tensor> ts = new ArrayList<>();
        for (Tensor t : parameters.values()) {
            if (t.requiresGrad()) {
                ts.add(t);
            }
        }
        for (LoraAdapter a : adapters().values()) {
            ts.add(a.a());
            ts.add(a.b());
        }
        return ts;
    }

    /** A deep copy of the base weights (adapters are not copied). */
    public LlamaModel copy() {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((n, t) -> values.put(n, t.data().clone()));
        return fromValues(config, values, "copy");
    }
}
