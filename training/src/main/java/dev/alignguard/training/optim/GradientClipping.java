package dev.alignguard.training.optim;

import java.util.List;

import dev.alignguard.model.autodiff.Tensor;

/** Clipping by global norm: when {@code ||g||_2 > maxNorm} over all parameters, scale every gradient by maxNorm / ||g||. */
public final class GradientClipping {

    private GradientClipping() {
    }

    /** The global gradient norm (summed in double, in parameter order). */
    public static double globalNorm(List<Tensor> params) {
        double s = 0;
        for (Tensor p : params) {
            for (float g : p.grad()) {
                s += (double) g * g;
            }
        }
        return Math.sqrt(s);
    }

    /** Clips in place and returns the norm before clipping; {@code maxNorm <= 0} disables clipping. */
    public static double clip(List<Tensor> params, double maxNorm) {
        double norm = globalNorm(params);
        if (maxNorm > 0 && norm > maxNorm) {
            float f = (float) (maxNorm / (norm + 1e-12));
            for (Tensor p : params) {
                float[] g = p.grad();
                for (int i = 0; i < g.length; i++) {
                    g[i] *= f;
                }
            }
        }
        return norm;
    }
}
