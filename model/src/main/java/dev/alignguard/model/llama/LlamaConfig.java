package dev.alignguard.model.llama;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The architecture of a decoder, with Hugging Face's {@code LlamaConfig} field names so a
 * {@code config.json} written here opens in transformers and the reverse.
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
                          @JsonProperty("rope_theta") double ropeTheta) {

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
        return "llama";
    }

    @JsonProperty("architectures")
    public String[] architectures() {
        return new String[] {"LlamaForCausalLM"};
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
    public boolean attentionBias() {
        return false;
    }

    @JsonProperty("mlp_bias")
    public boolean mlpBias() {
        return false;
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
            numKeyValueHeads, maxPositionEmbeddings, rmsNormEps, ropeTheta);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid LlamaConfig: " + message);
        }
    }
}
