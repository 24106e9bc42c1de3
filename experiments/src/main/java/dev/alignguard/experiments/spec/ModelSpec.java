package dev.alignguard.experiments.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.alignguard.model.llama.LlamaConfig;

/** The decoder's shape; the vocabulary and positions come from the world. */
public record ModelSpec(@JsonProperty("hidden_size") int hiddenSize,
                        @JsonProperty("intermediate_size") int intermediateSize,
                        @JsonProperty("num_hidden_layers") int numHiddenLayers,
                        @JsonProperty("num_attention_heads") int numAttentionHeads,
                        @JsonProperty("num_key_value_heads") int numKeyValueHeads) {

    public LlamaConfig toConfig(int vocabSize, int maxPositions) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
            numKeyValueHeads, maxPositions, 1e-5, 10000.0);
    }
}
