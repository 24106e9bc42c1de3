package dev.alignguard.training.objective;

import java.util.Arrays;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.math.kernels.ResidentRows;
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
        roundInto(out.data(), s.alignmentPart(g.kernels(), toDouble(dw.data())));
        g.onBackward(out, () -> addInto(dw.grad(), s.alignmentPart(g.kernels(), toDouble(out.grad()))));
        return out;
    }

    /**
     * The curvature penalty {@code sum_k lambda_k <u_k, vec dW>^2} (= ||F^{1/2} dW_A||_F^2 on the kept
     * directions), as 1 x 1. Backward: {@code d(vec dW) += 2 dL sum_k lambda_k <u_k, vec dW> u_k}.
     */
    public static Tensor fisherPenalty(Graph g, Tensor dw, LayerSubspace s) {
        requireShape(dw, s);
        Tensor out = g.output(1, 1, dw);
        double[] c = s.coordinates(g.kernels(), toDouble(dw.data()));
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
            addInto(dw.grad(), s.combine(g.kernels(), w));
        });
        return out;
    }

    /** {@code dW_A} (dOut x dIn) and the Fisher penalty on it (1 x 1; null when not asked for). */
    public record Split(Tensor alignmentPart, Tensor fisherPenalty) {
    }

    /**
     * {@link #alignmentPart} and {@link #fisherPenalty} of it, from one set of coordinates. Their
     * cost is reading the basis (m x D doubles, larger than the caches at real sizes): apart, the two
     * ops read it six times per step; together, four (coordinates and combination, forward and
     * backward). With {@code a_k = <u_k, vec dW>} and confidences {@code c_k} (1 when exact):
     * <pre>
     *   vec dW_A = sum_k c_k a_k u_k,    <u_k, vec dW_A> = c_k a_k (orthonormal basis),
     *   penalty  = sum_k lambda_k (c_k a_k)^2,
     *   d(vec dW) += sum_k c_k (<u_k, g_A> + 2 dL lambda_k c_k a_k) u_k   (g_A = d vec dW_A).
     * </pre>
     * The penalty's backward runs first (it is recorded later) and leaves its weights for the
     * part's backward, which applies both in one combination.
     */
    public static Split split(Graph g, Tensor dw, LayerSubspace s, boolean withPenalty) {
        return split(g, dw, s, ResidentRows.onHost(s.basis()), withPenalty); // the plain products, every call
    }

    /**
     * {@link #split(Graph, Tensor, LayerSubspace, boolean)} with {@code s}'s basis already resident
     * on {@code g.kernels()} ({@link dev.alignguard.training.fisher.ResidentBases}): the same bits,
     * without sending the basis to a device four times a step. The handle must stay open until the
     * graph's backward has run.
     */
    public static Split split(Graph g, Tensor dw, LayerSubspace s, ResidentRows basis, boolean withPenalty) {
        requireShape(dw, s);
        double[] a = s.coordinates(g.kernels(), basis, toDouble(dw.data(), scratch(0, s.dim())));
        double[] conf = s.confidences();
        int m = a.length;
        double[] ca = new double[m];
        for (int k = 0; k < m; k++) {
            ca[k] = conf[k] * a[k];
        }
        Tensor part = g.output(dw.rows(), dw.cols(), dw);
        roundInto(part.data(), combine(g, basis, s, ca));
        double[] penaltyWeights = new double[m]; // filled by the penalty's backward, before the part's
        g.onBackward(part, () -> {
            double[] ga = s.coordinates(g.kernels(), basis, toDouble(part.grad(), scratch(0, s.dim())));
            double[] w = new double[m];
            for (int k = 0; k < m; k++) {
                w[k] = conf[k] * (ga[k] + penaltyWeights[k]);
            }
            addInto(dw.grad(), combine(g, basis, s, w));
        });
        if (!withPenalty) {
            return new Split(part, null);
        }
        double[] lambda = s.eigenvalues();
        Tensor penalty = g.output(1, 1, dw);
        double value = 0;
        for (int k = 0; k < m; k++) {
            value += lambda[k] * ca[k] * ca[k];
        }
        penalty.data()[0] = (float) value;
        g.onBackward(penalty, () -> {
            double scale = 2.0 * penalty.grad()[0];
            for (int k = 0; k < m; k++) {
                penaltyWeights[k] += scale * lambda[k] * ca[k];
            }
        });
        return new Split(part, penalty);
    }

    /** {@code out[i] = (float) x[i]}. */
    private static void roundInto(float[] out, double[] x) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) x[i];
        }
    }

    /** {@code grad[i] += (float) delta[i]}. */
    private static void addInto(float[] grad, double[] delta) {
        for (int i = 0; i < grad.length; i++) {
            grad[i] += (float) delta[i];
        }
    }

    /**
     * Two double buffers of the update's size per thread, reused by {@link #split} for the update
     * in double (slot 0) and a combination (slot 1): each is filled and used up within one call, so
     * a step allocates no D-sized double arrays (they were most of AlignGuard's allocation).
     */
    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[2][0]);

    private static double[] scratch(int slot, int n) {
        double[][] buffers = SCRATCH.get();
        if (buffers[slot].length != n) {
            buffers[slot] = new double[n];
        }
        return buffers[slot];
    }

    /** {@code sum_k w_k u_k} into the thread's combination buffer (zeroed first): {@link LayerSubspace#combine}'s bits. */
    private static double[] combine(Graph g, ResidentRows basis, LayerSubspace s, double[] w) {
        double[] out = scratch(1, s.dim());
        Arrays.fill(out, 0.0);
        g.kernels().addCombination(basis, w, out);
        return out;
    }

    /** {@code out[i] = x[i]}, exactly; returns out. */
    private static double[] toDouble(float[] x, double[] out) {
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
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
