package dev.alignguard.experiments.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.alignguard.model.llama.LlamaConfig;

/**
 * The decoder's shape; the vocabulary and positions come from the world. With
 * {@code num_local_experts > 0} every MLP is a sparse mixture-of-experts block (a Mixtral config:
 * {@code num_experts_per_tok} experts of width {@code intermediate_size} per token, training adds
 * {@code router_aux_loss_coef} times the load-balancing loss); absent or 0, the model is dense and
 * the spec's JSON carries none of the three fields.
 */
public record ModelSpec(@JsonProperty("hidden_size") int hiddenSize,
                        @JsonProperty("intermediate_size") int intermediateSize,
                        @JsonProperty("num_hidden_layers") int numHiddenLayers,
                        @JsonProperty("num_attention_heads") int numAttentionHeads,
                        @JsonProperty("num_key_value_heads") int numKeyValueHeads,
                        @JsonProperty("num_local_experts") @JsonInclude(JsonInclude.Include.NON_DEFAULT) Integer numLocalExperts,
                        @JsonProperty("num_experts_per_tok") @JsonInclude(JsonInclude.Include.NON_DEFAULT) Integer numExpertsPerTok,
                        @JsonProperty("router_aux_loss_coef") @JsonInclude(JsonInclude.Include.NON_DEFAULT) Double routerAuxLossCoef) {

    /** Absent fields are 0: a dense model. */
    public ModelSpec {
        numLocalExperts = numLocalExperts == null ? 0 : numLocalExperts;
        numExpertsPerTok = numExpertsPerTok == null ? 0 : numExpertsPerTok;
        routerAuxLossCoef = routerAuxLossCoef == null ? 0.0 : routerAuxLossCoef;
    }

    /** A dense model's shape. */
    public ModelSpec(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads) {
        this(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, 0, 0, 0.0);
    }

    public LlamaConfig toConfig(int vocabSize, int maxPositions) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
            numKeyValueHeads, maxPositions, 1e-5, 10000.0, numLocalExperts, numLocalExperts == 0 ? 0 : numExpertsPerTok,
            numLocalExperts == 0 ? 0.0 : routerAuxLossCoef);
    }
}
