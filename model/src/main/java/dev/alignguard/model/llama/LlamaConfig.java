package dev.alignguard.model.llama;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The architecture of a decoder, with Hugging Face's {@code LlamaConfig} field names so a
 * {@code config.json} written here opens in transformers and the reverse.
 *
 * <p><b>Mixture of experts.</b> With {@code numLocalExperts > 0} the config is HF's
 * {@code MixtralConfig} ({@code model_type "mixtral"}, {@code MixtralForCausalLM}): every layer's
 * MLP is a sparse block of {@code num_local_experts} SwiGLU experts of width
 * {@code intermediate_size}, of which each token uses {@code num_experts_per_tok}, and training adds
 * {@code router_aux_loss_coef} times the load-balancing loss. With 0 (the default, and what every
 * dense constructor gives) it is a Llama config and its JSON carries none of the three fields.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LlamaConfig(
                          @JsonProperty("vocab_size") int vocabSize,
                          @JsonProperty("hidden_size") int hiddenSize,
                          @JsonProperty("intermediate_size") int intermediateSize,
                          @JsonProperty("num_hidden_layers") int numHiddenLayers,
                          @JsonProperty("num_attention_heads") int numAttentionHeads,
                          @JsonProperty("num_key_value_heads") int numKeyValueHeads,
                          @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
                          @JsonProperty("rms_norm_eps") double rmsNormEps,
                          @JsonProperty("rope_theta") double ropeTheta,
                          @JsonIgnore int numLocalExperts,
                          @JsonIgnore int numExpertsPerTok,
                          @JsonIgnore double routerAuxLossCoef) {

    /** HF MixtralConfig's default {@code router_aux_loss_coef}. */
    public static final double DEFAULT_ROUTER_AUX_LOSS_COEF = 0.001;

    /** A dense (Llama) config. */
    public LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
        int numKeyValueHeads, int maxPositionEmbeddings, double rmsNormEps, double ropeTheta) {
        this(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
            maxPositionEmbeddings, rmsNormEps, ropeTheta, 0, 0, 0.0);
    }

    public LlamaConfig {
        require(vocabSize > 0, "vocab_size must be > 0, got " + vocabSize);
        require(hiddenSize > 0, "hidden_size must be > 0, got " + hiddenSize);
        require(intermediateSize > 0, "intermediate_size must be > 0, got " + intermediateSize);
        require(numHiddenLayers >= 0, "num_hidden_layers must be >= 0, got " + numHiddenLayers);
        require(numAttentionHeads > 0 && hiddenSize % numAttentionHeads == 0,
            "hidden_size " + hiddenSize + " must split into num_attention_heads " + numAttentionHeads);
        require((hiddenSize / numAttentionHeads) % 2 == 0,
            "head dim " + hiddenSize / Math.max(1, numAttentionHeads) + " must be even for rotary embeddings");
        require(numKeyValueHeads > 0 && numAttentionHeads % numKeyValueHeads == 0,
            "num_attention_heads " + numAttentionHeads + " must be a multiple of num_key_value_heads " + numKeyValueHeads);
        require(maxPositionEmbeddings > 0, "max_position_embeddings must be > 0, got " + maxPositionEmbeddings);
        require(rmsNormEps > 0, "rms_norm_eps must be > 0, got " + rmsNormEps);
        require(ropeTheta > 0, "rope_theta must be > 0, got " + ropeTheta);
        require(numLocalExperts >= 0, "num_local_experts must be >= 0, got " + numLocalExperts);
        if (numLocalExperts == 0) {
            require(numExpertsPerTok == 0 && routerAuxLossCoef == 0.0,
                "a dense config (num_local_experts 0) takes num_experts_per_tok 0 and router_aux_loss_coef 0, got "
                    + numExpertsPerTok + " and " + routerAuxLossCoef);
        } else {
            require(numExpertsPerTok >= 1 && numExpertsPerTok <= numLocalExperts,
                "num_experts_per_tok must be in [1, num_local_experts = " + numLocalExperts + "], got " + numExpertsPerTok);
            require(routerAuxLossCoef >= 0 && Double.isFinite(routerAuxLossCoef),
                "router_aux_loss_coef must be finite and >= 0, got " + routerAuxLossCoef);
        }
    }

    /** A copy whose MLPs are sparse blocks of {@code experts} SwiGLU experts of width intermediate_size, top {@code perToken}. */
    public LlamaConfig withExperts(int experts, int perToken, double auxLossCoef) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
            numKeyValueHeads, maxPositionEmbeddings, rmsNormEps, ropeTheta, experts, perToken, auxLossCoef);
    }

    /** Whether the MLPs are sparse mixture-of-experts blocks (a Mixtral config). */
    @JsonIgnore
    public boolean isMoe() {
        return numLocalExperts > 0;
    }

    @JsonProperty("num_local_experts")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    Integer jsonNumLocalExperts() {
        return isMoe() ? numLocalExperts : null;
    }

    @JsonProperty("num_experts_per_tok")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    Integer jsonNumExpertsPerTok() {
        return isMoe() ? numExpertsPerTok : null;
    }

    @JsonProperty("router_aux_loss_coef")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    Double jsonRouterAuxLossCoef() {
        return isMoe() ? routerAuxLossCoef : null;
    }

    /** The reference configuration of the benchmarks: hidden 128, 4 layers, 4 heads, vocab 256. */
    public static LlamaConfig reference() {
        return new LlamaConfig(256, 128, 344, 4, 4, 4, 64, 1e-5, 10000.0);
    }

    @JsonProperty("head_dim")
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    @JsonProperty("model_type")
    public String modelType() {
        return isMoe() ? "mixtral" : "llama";
    }

    @JsonProperty("architectures")
    public String[] architectures() {
        return new String[] {isMoe() ? "MixtralForCausalLM" : "LlamaForCausalLM"};
    }

    @JsonProperty("hidden_act")
    public String hiddenAct() {
        return "silu";
    }

    @JsonProperty("tie_word_embeddings")
    public boolean tieWordEmbeddings() {
        return false;
    }

    @JsonProperty("attention_bias")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    Boolean jsonAttentionBias() {
        return isMoe() ? null : false;
    }

    @JsonProperty("mlp_bias")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    Boolean jsonMlpBias() {
        return isMoe() ? null : false;
    }

    @JsonProperty("torch_dtype")
    public String torchDtype() {
        return "float32";
    }

    /** A copy with another width (hidden and intermediate scaled together), for scaling studies. */
    public LlamaConfig withWidth(int hidden, int intermediate) {
        return new LlamaConfig(vocabSize, hidden, intermediate, numHiddenLayers, numAttentionHeads,
            numKeyValueHeads, maxPositionEmbeddings, rmsNormEps, ropeTheta);
    }

    public LlamaConfig withVocabSize(int vocab) {
        return new LlamaConfig(vocab, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
            numKeyValueHeads, maxPositionEmbeddings, rmsNormEps, ropeTheta, numLocalExperts, numExpertsPerTok, routerAuxLossCoef);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid LlamaConfig: " + message);
        }
    }
}
