package dev.alignguard.experiments.pipeline;

import java.util.List;

import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.results.StageStop;
import dev.alignguard.experiments.world.World;
import dev.alignguard.model.llama.LlamaModel;

/**
 * What stages 0 and 1 produce, shared by every method and seed that uses the same base: the world,
 * the unaligned (pretrained) and aligned models, their evaluations, and how each stage with a stop
 * rule ended ({@code stops}: pretrain first; empty without stop rules).
 */
public record BaseModels(String key, World world, StageData data, LlamaModel unaligned, LlamaModel aligned,
                         Metrics unalignedMetrics, Metrics alignedMetrics, List<StageStop> stops) {

    public BaseModels {
        stops = List.copyOf(stops);
    }
}
