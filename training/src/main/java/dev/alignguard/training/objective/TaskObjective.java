package dev.alignguard.training.objective;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
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

    /**
     * Mean cross-entropy over the batch's response tokens; for a mixture-of-experts (Mixtral) model plus
     * {@code router_aux_loss_coef} times the load-balancing loss of this forward's routing, as
     * {@code MixtralForCausalLM} trains (a coefficient of 0 leaves the cross-entropy alone).
     */
    public static Tensor taskLoss(Graph g, LlamaModel model, Batch batch) {
        List<Tensor> routerLogits = model.config().isMoe() ? new ArrayList<>() : null;
        Tensor logits = model.forward(g, batch.tokens(), batch.batchSize(), batch.seqLen(), routerLogits);
        Tensor ce = NeuralOps.crossEntropy(g, logits, batch.targets(), batch.lossMask());
        Tensor aux = routerLogits == null ? null : model.routerAuxLoss(g, routerLogits);
        return aux == null ? ce : MatrixOps.add(g, ce, aux);
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
