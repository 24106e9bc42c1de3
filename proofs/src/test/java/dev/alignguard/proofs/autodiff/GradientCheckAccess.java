package dev.alignguard.proofs.autodiff;

import java.util.List;
import java.util.function.Function;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;

/** Opens {@link GradientCheck} to the other proof packages. */
public final class GradientCheckAccess {

    private GradientCheckAccess() {
    }

    public static String check(Function<Graph, Tensor> loss, List<Tensor> inputs, int samples, long seed) {
        return GradientCheck.check(loss, inputs, samples, seed);
    }

    public static String check(Function<Graph, Tensor> loss, List<Tensor> inputs, int samples, long seed, Kernels kernels) {
        return GradientCheck.check(loss, inputs, samples, seed, kernels);
    }
}
