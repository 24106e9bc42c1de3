package dev.alignguard.model.autodiff;

import java.util.function.Consumer;

import dev.alignguard.math.kernels.Kernels;

/**
 * Matrix products, sums and scalings, each backward written under its forward.
 * All products run on the graph's {@link Kernels}.
 */
public final class MatrixOps {

    private MatrixOps() {
    }

    /**
     * {@code C = op(A) op(B)}.
     * <pre>
     *   op(A): m x k, op(B): k x n, C: m x n
     *   dA = dC op(B)^T      (stored transposed when transA: dA = op(B) dC^T)
     *   dB = op(A)^T dC      (stored transposed when transB: dB = dC^T op(A))
     * </pre>
     */
    public static Tensor matmul(Graph g, Tensor a, boolean transA, Tensor b, boolean transB) {
        int m = transA ? a.cols() : a.rows();
        int k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (k != kb) {
            throw new IllegalArgumentException("matmul: op(A) is " + m + " x " + k + " but op(B) is " + kb + " x " + n);
        }
        Kernels K = g.kernels();
        Tensor c = g.outputToOverwrite(m, n, a, b);                 // beta = 0: C written, never read
        K.gemm(transA, transB, m, n, k, 1f, a.data(), 0, a.cols(), b.data(), 0, b.cols(), 0f, c.data(), 0, n);
        g.onBackward(c, () -> {
            float[] dc = c.grad();
            if (a.requiresGrad()) {
                if (!transA) { // dA[m x k] += dC[m x n] op(B)^T
                    K.gemm(false, !transB, m, k, n, 1f, dc, 0, n, b.data(), 0, b.cols(), 1f, a.grad(), 0, k);
                } else {       // dA[k x m] += op(B)[k x n] dC^T
                    K.gemm(transB, true, k, m, n, 1f, b.data(), 0, b.cols(), dc, 0, n, 1f, a.grad(), 0, m);
                }
            }
            if (b.requiresGrad()) {
                if (!transB) { // dB[k x n] += op(A)^T dC
                    K.gemm(!transA, false, k, n, m, 1f, a.data(), 0, a.cols(), dc, 0, n, 1f, b.grad(), 0, n);
                } else {       // dB[n x k] += dC^T op(A)
                    K.gemm(true, transA, n, k, m, 1f, dc, 0, n, a.data(), 0, a.cols(), 1f, b.grad(), 0, k);
                }
            }
        });
        return c;
    }

    /** A linear layer without bias, PyTorch convention: {@code y[N x out] = x[N x in] W[out x in]^T}. */
    public static Tensor linear(Graph g, Tensor x, Tensor w) {
        return matmul(g, x, false, w, true);
    }

    /**
     * An identity with a window on the backward pass (a "tap"), for curvature estimators that need
     * the per-row output gradient of a layer (K-FAC's delta), which the tape otherwise never exposes.
     * <pre>
     *   y = x                                    same shape (values copied)
     *   backward: onGradient.accept(dY), then dX += dY
     * </pre>
     * {@code onGradient} sees y's gradient buffer ({@code rows x cols}, row-major) at the moment the
     * backward reaches this op, i.e. complete ({@code dL/dy}); it must not modify it and must copy
     * whatever it keeps. Like every op it records only when the graph records and x needs a
     * gradient, so on an inference graph, or upstream of every trainable tensor, the callback never runs.
     */
    public static Tensor tap(Graph g, Tensor x, Consumer<float[]> onGradient) {
        Tensor y = g.output(x.rows(), x.cols(), x);
        System.arraycopy(x.data(), 0, y.data(), 0, x.size());
        g.onBackward(y, () -> {
            float[] dy = y.grad();
            onGradient.accept(dy);
            g.kernels().axpy(y.size(), 1f, dy, 0, x.grad(), 0);
        });
        return y;
    }

    /** {@code a + b}, same shapes. */
    public static Tensor add(Graph g, Tensor a, Tensor b) {
        requireSameShape("add", a, b);
        Tensor c = g.outputToOverwrite(a.rows(), a.cols(), a, b);
        g.kernels().add(a.size(), a.data(), 0, b.data(), 0, c.data(), 0);
        g.onBackward(c, () -> {
            if (a.requiresGrad()) {
                g.kernels().axpy(c.size(), 1f, c.grad(), 0, a.grad(), 0);
            }
            if (b.requiresGrad()) {
                g.kernels().axpy(c.size(), 1f, c.grad(), 0, b.grad(), 0);
            }
        });
        return c;
    }

    /** {@code a - b}, same shapes. */
    public static Tensor sub(Graph g, Tensor a, Tensor b) {
        requireSameShape("sub", a, b);
        Tensor c = g.outputToOverwrite(a.rows(), a.cols(), a, b);
        float[] ad = a.data(), bd = b.data(), cd = c.data();
        for (int i = 0; i < cd.length; i++) {
            cd[i] = ad[i] - bd[i];
        }
        g.onBackward(c, () -> {
            if (a.requiresGrad()) {
                g.kernels().axpy(c.size(), 1f, c.grad(), 0, a.grad(), 0);
            }
            if (b.requiresGrad()) {
                g.kernels().axpy(c.size(), -1f, c.grad(), 0, b.grad(), 0);
            }
        });
        return c;
    }

    /** Element-wise (Hadamard) product {@code a * b}; {@code da = dc * b}, {@code db = dc * a}. */
    public static Tensor mul(Graph g, Tensor a, Tensor b) {
        requireSameShape("mul", a, b);
        Tensor c = g.outputToOverwrite(a.rows(), a.cols(), a, b);
        g.kernels().mul(a.size(), a.data(), 0, b.data(), 0, c.data(), 0);
        g.onBackward(c, () -> {
            float[] dc = c.grad();
            if (a.requiresGrad()) {
                float[] da = a.grad(), bd = b.data();
                for (int i = 0; i < dc.length; i++) {
                    da[i] += dc[i] * bd[i];
                }
            }
            if (b.requiresGrad()) {
                float[] db = b.grad(), ad = a.data();
                for (int i = 0; i < dc.length; i++) {
                    db[i] += dc[i] * ad[i];
                }
            }
        });
        return c;
    }

    /** {@code s * a} for a constant s. */
    public static Tensor scale(Graph g, Tensor a, float s) {
        Tensor c = g.output(a.rows(), a.cols(), a);
        float[] ad = a.data(), cd = c.data();
        for (int i = 0; i < cd.length; i++) {
            cd[i] = s * ad[i];
        }
        g.onBackward(c, () -> g.kernels().axpy(c.size(), s, c.grad(), 0, a.grad(), 0));
        return c;
    }

    /** The sum of all entries, as 1 x 1. */
    public static Tensor sum(Graph g, Tensor a) {
        Tensor c = g.output(1, 1, a);
        c.data()[0] = (float) sumInDouble(a.data());
        g.onBackward(c, () -> {
            float d = c.grad()[0];
            float[] da = a.grad();
            for (int i = 0; i < da.length; i++) {
                da[i] += d;
            }
        });
        return c;
    }

    /** Frobenius inner product {@code <a, b>_F = sum_ij a_ij b_ij}, as 1 x 1. */
    public static Tensor frobeniusDot(Graph g, Tensor a, Tensor b) {
        requireSameShape("frobeniusDot", a, b);
        Tensor c = g.output(1, 1, a, b);
        double s = 0;
        float[] ad = a.data(), bd = b.data();
        for (int i = 0; i < ad.length; i++) {
            s += (double) ad[i] * bd[i];
        }
        c.data()[0] = (float) s;
        g.onBackward(c, () -> {
            float d = c.grad()[0];
            if (a.requiresGrad()) {
                g.kernels().axpy(a.size(), d, b.data(), 0, a.grad(), 0);
            }
            if (b.requiresGrad()) {
                g.kernels().axpy(b.size(), d, a.data(), 0, b.grad(), 0);
            }
        });
        return c;
    }

    /** Squared Frobenius norm {@code ||a||_F^2}, as 1 x 1; {@code da = 2 a dc}. */
    public static Tensor sumOfSquares(Graph g, Tensor a) {
        Tensor c = g.output(1, 1, a);
        double s = 0;
        for (float v : a.data()) {
            s += (double) v * v;
        }
        c.data()[0] = (float) s;
        g.onBackward(c, () -> g.kernels().axpy(a.size(), 2f * c.grad()[0], a.data(), 0, a.grad(), 0));
        return c;
    }

    /** {@code a / b} for 1 x 1 tensors; {@code da = dc / b}, {@code db = -dc a / b^2}. */
    public static Tensor divideScalars(Graph g, Tensor a, Tensor b) {
        if (a.size() != 1 || b.size() != 1) {
            throw new IllegalArgumentException("divideScalars needs 1 x 1 tensors, got " + a.shape() + " and " + b.shape());
        }
        Tensor c = g.output(1, 1, a, b);
        float av = a.data()[0], bv = b.data()[0];
        c.data()[0] = av / bv;
        g.onBackward(c, () -> {
            float d = c.grad()[0];
            if (a.requiresGrad()) {
                a.grad()[0] += d / bv;
            }
            if (b.requiresGrad()) {
                b.grad()[0] -= d * av / (bv * bv);
            }
        });
        return c;
    }

    /** {@code a + s} for a 1 x 1 tensor and a constant. */
    public static Tensor addConstant(Graph g, Tensor a, float s) {
        Tensor c = g.output(a.rows(), a.cols(), a);
        float[] ad = a.data(), cd = c.data();
        for (int i = 0; i < cd.length; i++) {
            cd[i] = ad[i] + s;
        }
        g.onBackward(c, () -> g.kernels().axpy(c.size(), 1f, c.grad(), 0, a.grad(), 0));
        return c;
    }

    static double sumInDouble(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v;
        }
        return s;
    }

    static void requireSameShape(String op, Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": shapes differ, " + a.shape() + " vs " + b.shape());
        }
    }

    /** {@code sum_i w_i a_i^2} for constant weights w (e.g. a diagonal Fisher), as 1 x 1; {@code da = 2 w a dc}. */
    public static Tensor weightedSumOfSquares(Graph g, Tensor a, float[] w) {
        if (w.length != a.size()) {
            throw new IllegalArgumentException("weightedSumOfSquares: " + w.length + " weights for " + a.size() + " values");
        }
        Tensor c = g.output(1, 1, a);
        float[] ad = a.data();
        double s = 0;
        for (int i = 0; i < ad.length; i++) {
            s += (double) w[i] * ad[i] * ad[i];
        }
        c.data()[0] = (float) s;
        g.onBackward(c, () -> {
            float d = 2f * c.grad()[0];
            float[] da = a.grad();
            for (int i = 0; i < ad.length; i++) {
                da[i] += d * w[i] * ad[i];
            }
        });
        return c;
    }
}
