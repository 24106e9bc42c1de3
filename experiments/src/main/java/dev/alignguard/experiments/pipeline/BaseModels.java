package dev.alignguard.experiments.pipeline;

import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.world.World;
import dev.alignguard.model.llama.LlamaModel;

/**
 * What stages 0 and 1 produce, shared by every method and seed that uses the same base: the world,
 * the unaligned (pretrained) and aligned models, and their evaluations.
 */
public record BaseModels(String key, World world, StageData data, LlamaModel unaligned, LlamaModel aligned,
                         Metrics unalignedMetrics, Metrics alignedMetrics) {
}
