package dev.alignguard.training.baselines;

import java.util.Map;
import java.util.function.Supplier;

import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.objective.SubspaceOps;

/**
 * The hard-projection baseline: every adapted layer's update passes through {@code I - P_A}, so the
 * update the model sees satisfies {@code P_A vec(dW) = 0} after every step, by construction (an
 * exact re-parameterisation rather than a correction after the fact, which a rank-r factorisation
 * could not represent). The subspaces come from a supplier, so re-projection swaps them in.
 */
public final class HardProjection {

    private HardProjection() {
    }

    /** Installs {@code T(dW) = dW - P_A dW} on every layer that has a subspace. */
    public static void install(LlamaModel model, Supplier<Map<String, LayerSubspace>> subspaces) {
        for (String layer : subspaces.get().keySet()) {
            model.linear(layer).setDeltaTransform((g, delta) -> {
                LayerSubspace s = subspaces.get().get(layer);
                return MatrixOps.sub(g, delta, SubspaceOps.alignmentPart(g, delta, s));
            });
        }
    }

    /** Removes the transforms. */
    public static void uninstall(LlamaModel model, Iterable<String> layers) {
        for (String layer : layers) {
            model.linear(layer).setDeltaTransform(null);
        }
    }
}
