package dev.alignguard.model.lora;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;

/**
 * A linear layer with its LoRA adapter as one op, {@code y = x W^T + s (x A^T) B^T}. The
 * composition ({@link #reference}: two products, a scaled copy and a sum, each its own op) writes
 * five tensors and their gradients per adapter; this op writes one output and keeps the two narrow
 * intermediates ({@code x A^T}, {@code (x A^T) B^T}) as scratch, and its backward makes the
 * gradients of both paths from the output's gradient in one pass. Every kernel call and every
 * float operation of the composition is kept, in the composition's order (its backward steps run
 * last-recorded first: sum, scale, {@code B}'s product, {@code A}'s product, {@code W}'s product),
 * so the output and every gradient have the composition's bits. A frozen W gets no gradient.
 */
public final class LoraLinear {

    private LoraLinear() {
    }

    /** The composition this op fuses, op by op: the reference twin. */
    public static Tensor reference(Graph g, Tensor x, Tensor w, Tensor a, Tensor b, float s) {
        Tensor y = MatrixOps.linear(g, x, w);
        Tensor xab = MatrixOps.linear(g, MatrixOps.linear(g, x, a), b);
        return MatrixOps.add(g, y, MatrixOps.scale(g, xab, s));
    }

    /**
     * @param x N x in
     * @param w out x in (frozen or not)
     * @param a r x in (LoRA's A)
     * @param b out x r (LoRA's B)
     * @param s the adapter's scaling
     * @return N x out
     */
    public static Tensor forward(Graph g, Tensor x, Tensor w, Tensor a, Tensor b, float s) {
        int n = x.rows(), in = x.cols(), out = w.rows(), r = a.rows();
        if (w.cols() != in || a.cols() != in || b.rows() != out || b.cols() != r) {
            throw new IllegalArgumentException("LoRA linear: x is " + x.shape() + ", W " + w.shape() + ", A " + a.shape()
                + ", B " + b.shape() + "; expected x N x in, W out x in, A r x in, B out x r");
        }
        Kernels k = g.kernels();
        Tensor y = g.outputToOverwrite(n, out, x, w, a, b);
        float[] yd = y.data();
        k.gemm(false, true, n, out, in, 1f, x.data(), 0, in, w.data(), 0, in, 0f, yd, 0, out);
        float[] xa = g.scratchToOverwrite(n * r);                                 // N x r
        k.gemm(false, true, n, r, in, 1f, x.data(), 0, in, a.data(), 0, in, 0f, xa, 0, r);
        float[] xab = g.scratchToOverwrite(n * out);                              // N x out
        k.gemm(false, true, n, out, r, 1f, xa, 0, r, b.data(), 0, r, 0f, xab, 0, out);
        for (int i = 0; i < yd.length; i++) {
            yd[i] = yd[i] + s * xab[i];
        }
        boolean frozenPathNeeds = x.requiresGrad() || w.requiresGrad();
        boolean xaNeeds = x.requiresGrad() || a.requiresGrad();
        boolean adapterPathNeeds = xaNeeds || b.requiresGrad();
        g.onBackward(y, () -> {
            // the sum's backward gives each summand 0 + 1 * dY (a zero of either sign becomes +0)
            float[] dy = y.grad();
            for (int i = 0; i < dy.length; i++) {
                dy[i] = dy[i] + 0f;
            }
            if (adapterPathNeeds) {
                float[] dxab = g.scratch(n * out);                                // the scale's backward
                k.axpy(n * out, s, dy, 0, dxab, 0);
                float[] dxa = xaNeeds ? g.scratch(n * r) : null;
                if (xaNeeds) {                                                    // d(xA^T) += d(xA^TB^T) B
                    k.gemm(false, false, n, r, out, 1f, dxab, 0, out, b.data(), 0, r, 1f, dxa, 0, r);
                }
                if (b.requiresGrad()) {                                           // dB += d(xA^TB^T)^T (xA^T)
                    k.gemm(true, false, out, r, n, 1f, dxab, 0, out, xa, 0, r, 1f, b.grad(), 0, r);
                }
                if (xaNeeds) {
                    if (x.requiresGrad()) {                                       // dx += d(xA^T) A
                        k.gemm(false, false, n, in, r, 1f, dxa, 0, r, a.data(), 0, in, 1f, x.grad(), 0, in);
                    }
                    if (a.requiresGrad()) {                                       // dA += d(xA^T)^T x
                        k.gemm(true, false, r, in, n, 1f, dxa, 0, r, x.data(), 0, in, 1f, a.grad(), 0, in);
                    }
                }
            }
            if (frozenPathNeeds) {
                if (x.requiresGrad()) {                                           // dx += dY W
                    k.gemm(false, false, n, in, out, 1f, dy, 0, out, w.data(), 0, in, 1f, x.grad(), 0, in);
                }
                if (w.requiresGrad()) {                                           // dW += dY^T x (only if W trains)
                    k.gemm(true, false, out, in, n, 1f, dy, 0, out, x.data(), 0, in, 1f, w.grad(), 0, in);
                }
            }
        });
        return y;
    }
}
