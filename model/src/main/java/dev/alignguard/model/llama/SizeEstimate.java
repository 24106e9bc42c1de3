package dev.alignguard.model.llama;

import java.util.Locale;

/**
 * What a model of a given {@link LlamaConfig} takes before any of it is allocated: the parameter
 * count, the bytes of weights, gradients and AdamW moments, and the activations a training step
 * keeps for its backward pass. Computed from the config's numbers alone (no per-layer loop, no
 * allocation), in {@code long}, so a config whose sizes overflow {@code int} is refused by name
 * instead of failing later with a negative array size or a wrapped-around shape.
 *
 * <p><b>Limits.</b> Every parameter is one {@code float[]} and is saved as one {@code byte[]}
 * (safetensors), so a tensor may hold at most {@link #MAX_TENSOR_VALUES} values; every activation
 * of a training step is one {@code float[]} of at most {@link #MAX_ARRAY} values.
 *
 * <p><b>Activations</b> (an estimate, not a bound): for B sequences of T tokens, per token and
 * layer the forward pass keeps about {@code 9C + 3kv + 4F + 2HT} floats (the norms, q/k/v before
 * and after the rotary embedding, the attention scores and probabilities, the attention and MLP
 * outputs, the gate, up, SiLU and product of the MLP, the residuals), plus {@code 2V + 2C} for the
 * final norm, logits and log-probabilities; the backward pass holds a gradient of the same size.
 * C = hidden_size, kv = num_key_value_heads x head_dim, F = intermediate_size, H = heads, V = vocab.
 */
public record SizeEstimate(LlamaConfig config, long parameters) {

    /** The longest Java array the JVM allocates reliably. */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** The most float values one tensor may hold (its safetensors bytes are one array). */
    public static final long MAX_TENSOR_VALUES = MAX_ARRAY / 4;

    /**
     * A parameter tensor too large for one array.
     *
     * @param fields  the config fields whose product it is, e.g. {@code hidden_size x intermediate_size}
     * @param factors their values, e.g. {@code 65536 x 65536}
     * @param values  the product
     * @param tensors which parameters have that size
     */
    public record Overflow(String fields, String factors, long values, String tensors) {

        @Override
        public String toString() {
            return fields + " = " + factors + " = " + values + " values in " + tensors;
        }
    }

    /** What an overflow message says is allowed. */
    public static final String TENSOR_LIMIT = "at most " + MAX_TENSOR_VALUES + " values in one tensor (a tensor is one Java"
        + " array and is saved as one byte array)";

    /**
     * The parameter tensors of a model of these sizes that do not fit one array; {@code vocab <= 0}
     * leaves out the embedding and LM head (when the vocabulary is not known yet).
     */
    public static java.util.List<Overflow> overflows(long vocab, long hidden, long intermediate, long kvDim) {
        java.util.List<Overflow> out = new java.util.ArrayList<>();
        if (vocab > 0 && vocab * hidden > MAX_TENSOR_VALUES) {
            out.add(new Overflow("vocab_size x hidden_size", vocab + " x " + hidden, vocab * hidden,
                "model.embed_tokens and lm_head"));
        }
        if (hidden * hidden > MAX_TENSOR_VALUES) {
            out.add(new Overflow("hidden_size x hidden_size", hidden + " x " + hidden, hidden * hidden,
                "self_attn.q_proj and o_proj"));
        }
        if (kvDim * hidden > MAX_TENSOR_VALUES) {
            out.add(new Overflow("(num_key_value_heads x head_dim) x hidden_size", kvDim + " x " + hidden, kvDim * hidden,
                "self_attn.k_proj and v_proj"));
        }
        if (intermediate * hidden > MAX_TENSOR_VALUES) {
            out.add(new Overflow("intermediate_size x hidden_size", intermediate + " x " + hidden, intermediate * hidden,
                "mlp.gate_proj, up_proj and down_proj"));
        }
        return out;
    }

    /**
     * The estimate of {@code config}'s model.
     *
     * @throws IllegalArgumentException naming the fields whose product makes a tensor too large for one array
     */
    public static SizeEstimate of(LlamaConfig c) {
        long v = c.vocabSize(), h = c.hiddenSize(), f = c.intermediateSize(), layers = c.numHiddenLayers();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        java.util.List<Overflow> overflows = overflows(v, h, f, kv);
        if (!overflows.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (Overflow o : overflows) {
                sb.append(sb.isEmpty() ? "" : "; ").append(o);
            }
            throw new IllegalArgumentException(sb + "; allowed: " + TENSOR_LIMIT);
        }
        long perLayer = -1;
        long total;
        try {
            // a Mixtral layer holds E experts of 3 F x C and an E x C router instead of one 3 F x C MLP
            long mlp = c.isMoe() ? Math.addExact(Math.multiplyExact(c.numLocalExperts(), 3 * f * h), c.numLocalExperts() * h)
                : 3 * f * h;
            perLayer = Math.addExact(2 * h * h + 2 * kv * h + 2 * h, mlp);
            total = Math.addExact(Math.multiplyExact(layers, perLayer), 2 * v * h + h);
            Math.multiplyExact(total, 16L); // weights, gradients and two moments stay countable in bytes
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                "num_hidden_layers %d x %d parameters per layer overflows a 64-bit count", layers, perLayer));
        }
        return new SizeEstimate(c, total);
    }

    /** Bytes of the weights (float32). */
    public long weightBytes() {
        return 4 * parameters;
    }

    /** Bytes of the weights, their gradients and AdamW's two moments: full training. */
    public long fullTrainingBytes() {
        return 16 * parameters;
    }

    /**
     * Bytes of the activations and their gradients in one training step of {@code batch} sequences of
     * {@code seq} tokens.
     *
     * @throws IllegalArgumentException naming the sizes when one activation exceeds a Java array
     */
    public long activationBytes(int batch, int seq) {
        long tokens = (long) batch * seq;
        long c = config.hiddenSize(), f = config.intermediateSize(), v = config.vocabSize();
        long heads = config.numAttentionHeads(), kv = (long) config.numKeyValueHeads() * config.headDim();
        activation("batch " + batch + " x sequence " + seq + " x vocab_size " + v + " (the logits)", tokens * v);
        activation("batch " + batch + " x sequence " + seq + " x intermediate_size " + f + " (the MLP)", tokens * f);
        activation("batch " + batch + " x num_attention_heads " + heads + " x sequence " + seq + "^2 (the attention scores)",
            tokens * heads * seq);
        try {
            long perToken = Math.addExact(Math.multiplyExact((long) config.numHiddenLayers(),
                9 * c + 3 * kv + 4 * f * Math.max(1, config.numExpertsPerTok()) + 2 * heads * seq), 2 * v + 2 * c);
            return Math.multiplyExact(Math.multiplyExact(tokens, perToken), 8L);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the activations of batch " + batch + " x sequence " + seq + " over "
                + config.numHiddenLayers() + " layers overflow a 64-bit byte count");
        }
    }

    private static void activation(String product, long values) {
        if (values > MAX_ARRAY) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                "%s = %d values in one training activation, more than a Java array holds (%d)", product, values, MAX_ARRAY));
        }
    }

    /** Bytes as "1.5 GiB", "12 MiB" or "800 KiB". */
    public static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.0f MiB", b / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.0f KiB", Math.max(1, b / 1024.0));
    }

    /**
     * The {@code -Xmx} that would give {@code bytes} of headroom with a quarter more for everything not
     * estimated, rounded up to whole GiB (e.g. {@code -Xmx28g}).
     */
    public static String xmxFor(long bytes) {
        long gib = (long) Math.ceil(bytes * 1.25 / (1L << 30));
        return "-Xmx" + Math.max(1, gib) + "g";
    }
}
