package dev.alignguard.model.lora;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;

/**
 * A map applied to a layer's LoRA update {@code dW = s B A} before it enters the forward pass:
 * {@code y = x W^T + x T(dW)^T}. Hard projection uses {@code T(dW) = (I - P) dW}, so the update the
 * model sees never has an alignment-critical component; Safe-LoRA uses a fixed post-hoc projection.
 * The transform is differentiable (recorded on the graph), so training sees the same function.
 */
@FunctionalInterface
public interface DeltaTransform {
    Tensor apply(Graph g, Tensor delta);
}
