package dev.alignguard.training.fisher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;

/**
 * The skeleton the four estimators share: one pass over the examples collects what the estimator
 * needs for every layer at once ({@code D}: per-example gradients, a diagonal, K-FAC factors), then
 * each layer is estimated from its own data, which is released as soon as it is used.
 *
 * @param <D> what is collected per layer
 */
public abstract class LayerwiseEstimator<D> implements FisherEstimator {

    private final String name;

    protected LayerwiseEstimator(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    /** One pass over the examples: each layer's data, by module path. */
    protected abstract Map<String, D> collect(LlamaModel model, Kernels kernels, List<String> layers,
                                              List<Sequence> examples);

    /** One layer's raw estimate from its data; {@code kernels} may run its products (Lanczos' Fisher-vector products do). */
    protected abstract LayerEstimate estimateLayer(String path, Linear layer, D data, SubspaceSettings settings,
                                                   Kernels kernels);

    @Override
    public final List<LayerEstimate> estimateLayers(LlamaModel model, Kernels kernels, List<String> layers,
                                                    List<Sequence> examples, SubspaceSettings settings) {
        Map<String, D> data = collect(model, kernels, layers, examples);
        List<LayerEstimate> raw = new ArrayList<>();
        for (String path : layers) {
            raw.add(estimateLayer(path, model.linear(path), data.remove(path), settings, kernels));
        }
        return raw;
    }
}
