package dev.alignguard.experiments.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Stage 2: the downstream task every method fine-tunes on.
 *
 * @param harmfulFraction share of the data that is unsafe prompts answered compliantly (0 = benign)
 * @param replayFraction  share of the data that replays the aligned model's safe Q&amp;A
 * @param dataSize        cap on the number of fine-tuning examples (0 = all), for scaling studies
 * @param evalEvery       steps between mid-training evaluations (0 = none)
 * @param curveEvalSize   prompts per set in a mid-training evaluation
 */
public record FinetuneSpec(@JsonProperty("training") StageSpec training,
                           @JsonProperty("lora") LoraSpec lora,
                           @JsonProperty("harmful_fraction") double harmfulFraction,
                           @JsonProperty("replay_fraction") double replayFraction,
                           @JsonProperty("data_size") int dataSize,
                           @JsonProperty("eval_every") int evalEvery,
                           @JsonProperty("curve_eval_size") int curveEvalSize) {
}
