package dev.alignguard.training.objective;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.training.fisher.LayerSubspace;

/**
 * The two differentiable ops that tie an update dW (dOut x dIn) to a layer's alignment subspace.
 * Both work on {@code vec dW} (row-major) in double precision and hand float results back.
 */
public final class SubspaceOps {

    private SubspaceOps() {
    }

    /**
     * {@code dW_A = unvec(P vec dW)} with P the subspace's (exact or soft) projector.
     * P is symmetric, so the backward is {@code d(vec dW) += P d(vec dW_A)}.
     */
    public static Tensor alignmentPart(Graph g, Tensor dw, LayerSubspace s) {
        requireShape(dw, s);
        Tensor out = g.output(dw.rows(), dw.cols(), dw);
        double[] pa = s.alignmentPart(toDouble(dw.data()));
        float[] o = out.data();
        for (int i = 0; i < o.length; i++) {
            o[i] = (float) pa[i];
        }
        g.onBackward(out, () -> {
            double[] back = s.alignmentPart(toDouble(out.grad()));
            float[] d = dw.grad();
            for (int i = 0; i < d.length; i++) {
                d[i] += (float) back[i];
            }
        });
        return out;
    }

    /**
     * The curvature penalty {@code sum_k lambda_k <u_k, vec dW>^2} (= ||F^{1/2} dW_A||_F^2 on the kept
     * directions), as 1 x 1. Backward: {@code d(vec dW) += 2 dL sum_k lambda_k <u_k, vec dW> u_k}.
     */
    public static Tensor fisherPenalty(Graph g, Tensor dw, LayerSubspace s) {
        requireShape(dw, s);
        Tensor out = g.output(1, 1, dw);
        double[] c = s.coordinates(toDouble(dw.data()));
        double[] lambda = s.eigenvalues();
        double value = 0;
        for (int k = 0; k < c.length; k++) {
            value += lambda[k] * c[k] * c[k];
        }
        out.data()[0] = (float) value;
        g.onBackward(out, () -> {
            double scale = 2.0 * out.grad()[0];
            double[] w = new double[c.length];
            for (int k = 0; k < c.length; k++) {
                w[k] = scale * lambda[k] * c[k];
            }
            double[] back = s.combine(w);
            float[] d = dw.grad();
            for (int i = 0; i < d.length; i++) {
                d[i] += (float) back[i];
            }
        });
        return out;
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static void requireShape(Tensor dw, LayerSubspace s) {
        if (dw.rows() != s.dOut() || dw.cols() != s.dIn()) {
            throw new IllegalArgumentException("update " + dw.shape() + " does not match the subspace of " + s.layer()
                + " (" + s.dOut() + " x " + s.dIn() + ")");
        }
    }
}
