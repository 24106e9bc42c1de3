package dev.alignguard.training.objective;

import java.util.Map;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.trainer.Loss;
import dev.alignguard.training.trainer.Objective;

/**
 * The quadratic-penalty baselines: {@code L = L_task + lambda sum_l dW_l^T H_l dW_l} on the whole
 * update. L2 is H = I on every adapted layer; EWC is H = diag(F) with F the diagonal Fisher of the
 * alignment loss (Kirkpatrick et al.), which pulls every coordinate back in proportion to how much
 * the alignment loss cares about it.
 */
public final class UpdatePenaltyObjective implements Objective {

    private final String name;
    private final LlamaModel model;
    private final double lambda;
    private final Map<String, Curvature> curvature;

    /** @param curvature per adapted layer; layers missing from the map use the identity */
    public UpdatePenaltyObjective(String name, LlamaModel model, double lambda, Map<String, Curvature> curvature) {
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException(name + ": lambda must be >= 0, got " + lambda);
        }
        this.name = name;
        this.model = model;
        this.lambda = lambda;
        this.curvature = Map.copyOf(curvature);
    }

    /** L2 on dW. */
    public static UpdatePenaltyObjective l2(LlamaModel model, double lambda) {
        return new UpdatePenaltyObjective("l2", model, lambda, Map.of());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Loss compute(Graph g, Batch batch, int step) {
        Tensor task = TaskObjective.taskLoss(g, model, batch);
        Tensor penalty = Tensor.scalar(0f);
        for (Map.Entry<String, LoraAdapter> e : model.adapters().entrySet()) {
            Curvature h = curvature.getOrDefault(e.getKey(), new Curvature.Identity());
            penalty = MatrixOps.add(g, penalty, h.penalty(g, e.getValue().deltaWeight(g)));
        }
        Tensor total = MatrixOps.add(g, task, MatrixOps.scale(g, penalty, (float) lambda));
        return new Loss(total, Map.of("task", task.item(), name, penalty.item()), Map.of());
    }
}
