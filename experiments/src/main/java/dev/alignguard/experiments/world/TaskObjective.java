package dev.alignguard.experiments.world;

import java.util.Map;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.trainer.Loss;
import dev.alignguard.training.trainer.Objective;

/**
 * The plain language-modelling objective of every stage: mean cross-entropy of the response tokens
 * (the batch's loss mask), logged as the term {@code task}.
 */
public final class TaskObjective implements Objective {

    private final LlamaModel model;

    public TaskObjective(LlamaModel model) {
        this.model = model;
    }

    @Override
    public Loss compute(Graph g, Batch batch, int step) {
        Tensor logits = model.forward(g, batch.tokens(), batch.batchSize(), batch.seqLen()); // [B*T x V]
        Tensor loss = NeuralOps.crossEntropy(g, logits, batch.targets(), batch.lossMask());
        return new Loss(loss, Map.of("task", loss.item()), Map.of());
    }

    @Override
    public String name() {
        return "task";
    }
}
