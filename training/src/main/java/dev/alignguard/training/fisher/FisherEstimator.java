package dev.alignguard.training.fisher;

import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;

/**
 * Estimates, for each targeted layer, the top eigen-directions of the Fisher information of the
 * alignment loss (harmful prompt -> refusal) at the model's current merged weights.
 *
 * <p>Implementations: {@link ExactGramEstimator} (exact, N x N Gram matrix), {@link LanczosEstimator}
 * (matrix-free), {@link KfacEstimator} (Kronecker factors), {@link DiagonalEstimator} (coordinate
 * mask); {@link FisherEstimators#of} picks one by {@link SubspaceSettings.Estimator}. All share the
 * per-example gradients of {@link PerExampleGradients}, the example sample, the normalisation across
 * layers and the soft-projection confidences of {@link FisherEstimators}.
 */
public interface FisherEstimator {

    /** Short name (exact, lanczos, kfac, diagonal). */
    String name();

    /**
     * @param model          the model at its current weights (adapters attached or not: gradients
     *                       are taken with respect to each layer's full effective weight W + dW)
     * @param layers         module paths of the targeted layers (e.g. model.layers.0.self_attn.q_proj)
     * @param alignmentData  the examples; each contributes one per-example gradient g_i
     * @return per layer path, the subspace (eigenvalues normalised as the settings say)
     */
    Map<String, LayerSubspace> estimate(LlamaModel model, Kernels kernels, List<String> layers,
                                        List<Sequence> alignmentData, SubspaceSettings settings);
}
