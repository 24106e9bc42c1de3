package dev.alignguard.training.objective;

import java.util.Map;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.trainer.Loss;
import dev.alignguard.training.trainer.Objective;

/** The task loss alone (standard LoRA, and the pretraining and alignment stages): masked next-token cross-entropy. */
public final class TaskObjective implements Objective {

    private final LlamaModel model;

    public TaskObjective(LlamaModel model) {
        this.model = model;
    }

    /** Mean cross-entropy over the batch's response tokens. */
    public static Tensor taskLoss(Graph g, LlamaModel model, Batch batch) {
        Tensor logits = model.forward(g, batch.tokens(), batch.batchSize(), batch.seqLen());
        return NeuralOps.crossEntropy(g, logits, batch.targets(), batch.lossMask());
    }

    @Override
    public Loss compute(Graph g, Batch batch, int step) {
        Tensor task = taskLoss(g, model, batch);
        return new Loss(task, Map.of("task", task.item()), Map.of());
    }

    @Override
    public String name() {
        return "task";
    }
}
