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
 * layers and the soft-projection confidences of {@link FisherEstimators}: the shared skeleton is
 * {@link #estimate}, and an estimator writes only {@link #estimateLayers}.
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
    default Map<String, LayerSubspace> estimate(LlamaModel model, Kernels kernels, List<String> layers,
                                                List<Sequence> alignmentData, SubspaceSettings settings) {
        List<Sequence> examples = FisherEstimators.examples(alignmentData, settings);
        return FisherEstimators.finish(name(), estimateLayers(model, kernels, layers, examples, settings), settings,
            examples.size());
    }

    /**
     * The estimator's own part: one raw (unnormalised) estimate per layer, in {@code layers} order,
     * from the already-sampled examples. {@link #estimate} samples before and normalises after.
     */
    List<LayerEstimate> estimateLayers(LlamaModel model, Kernels kernels, List<String> layers, List<Sequence> examples,
                                       SubspaceSettings settings);
}
