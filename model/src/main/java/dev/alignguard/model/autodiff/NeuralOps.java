package dev.alignguard.model.autodiff;

/**
 * The element-wise and row-wise ops of a Llama block: SiLU, RMSNorm, embedding lookup and the
 * masked cross-entropy. Each backward sits under its forward and names the formula it applies.
 */
public final class NeuralOps {

    private NeuralOps() {
    }

    /**
     * SiLU {@code y = x * sigmoid(x)}; {@code dy/dx = s (1 + x (1 - s))} with {@code s = sigmoid(x)},
     * which the forward keeps so the backward computes no exponential.
     */
    public static Tensor silu(Graph g, Tensor x) {
        Tensor y = g.outputToOverwrite(x.rows(), x.cols(), x);
        float[] xd = x.data(), yd = y.data();
        float[] s = g.scratchToOverwrite(xd.length);
        g.kernels().sigmoid(xd.length, xd, 0, s, 0);
        g.kernels().mul(xd.length, xd, 0, s, 0, yd, 0);
        g.onBackward(y, () -> {
            float[] dy = y.grad(), dx = x.grad();
            for (int i = 0; i < xd.length; i++) {
                dx[i] += dy[i] * s[i] * (1f + xd[i] * (1f - s[i]));
            }
        });
        return y;
    }

    /**
     * The SwiGLU gate of a Llama MLP, {@code y = silu(gate) * up}, as one op: one pass forward and
     * one backward instead of {@link #swigluReference}'s two ops, whose intermediate
     * {@code silu(gate)} (and its gradient buffer) it never materialises. Same bits as the
     * reference in the value and in both gradients: the forward keeps {@code s = sigmoid(gate)}
     * from the same kernel and multiplies {@code (gate * s) * up} in the reference's order, and the
     * backward computes each product in the reference's order:
     * <pre>
     *   d gate += (dy * up) * s * (1 + gate * (1 - s))        d up += dy * (gate * s)
     * </pre>
     * (the reference's intermediate gradient is {@code 0 + dy * up}, which differs from
     * {@code dy * up} only for -0, and a -0 there changes no sum: a gradient buffer starts at +0
     * and is only added to, so it never holds -0). gate, up, y: {@code rows x F}.
     */
    public static Tensor swiglu(Graph g, Tensor gate, Tensor up) {
        if (gate.rows() != up.rows() || gate.cols() != up.cols()) {
            throw new IllegalArgumentException("swiglu: gate is " + gate.rows() + "x" + gate.cols() + " but up is "
                + up.rows() + "x" + up.cols());
        }
        Tensor y = g.outputToOverwrite(gate.rows(), gate.cols(), gate, up);
        float[] gd = gate.data(), ud = up.data(), yd = y.data();
        float[] s = g.scratchToOverwrite(gd.length);
        g.kernels().sigmoid(gd.length, gd, 0, s, 0);
        for (int i = 0; i < gd.length; i++) {
            yd[i] = gd[i] * s[i] * ud[i];
        }
        g.onBackward(y, () -> {
            float[] dy = y.grad();
            if (gate.requiresGrad()) {
                float[] dgate = gate.grad();
                for (int i = 0; i < gd.length; i++) {
                    dgate[i] += dy[i] * ud[i] * s[i] * (1f + gd[i] * (1f - s[i]));
                }
            }
            if (up.requiresGrad()) {
                float[] dup = up.grad();
                for (int i = 0; i < gd.length; i++) {
                    dup[i] += dy[i] * (gd[i] * s[i]);
                }
            }
        });
        return y;
    }

    /** {@link #swiglu}'s reference: {@code silu(gate) * up} as two autodiff ops. */
    public static Tensor swigluReference(Graph g, Tensor gate, Tensor up) {
        return MatrixOps.mul(g, silu(g, gate), up);
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    /**
     * RMSNorm over each row (HF LlamaRMSNorm): {@code y = x / sqrt(mean(x^2) + eps) * w}.
     * <pre>
     *   x: N x C, w: 1 x C, y: N x C;  r = 1/sqrt(mean(x^2)+eps), xhat = x r
     *   dw += sum_rows dy * xhat
     *   dx  = r (dxhat - xhat * mean(dxhat * xhat)),  dxhat = dy * w
     * </pre>
     * Both passes run on the graph's kernels ({@link dev.alignguard.math.kernels.Kernels#rmsNorm} and its
     * backward), which may split the rows over threads.
     */
    public static Tensor rmsNorm(Graph g, Tensor x, Tensor w, float eps) {
        int n = x.rows(), c = x.cols();
        if (w.size() != c) {
            throw new IllegalArgumentException("rmsNorm: weight has " + w.size() + " values for " + c + " features");
        }
        Tensor y = g.outputToOverwrite(n, c, x, w);
        float[] inv = g.scratchToOverwrite(n); // r per row, kept for backward
        g.kernels().rmsNorm(n, c, x.data(), w.data(), eps, y.data(), inv);
        g.onBackward(y, () -> g.kernels().rmsNormBackward(n, c, x.data(), w.data(), inv, y.grad(),
            x.requiresGrad() ? x.grad() : null, w.requiresGrad() ? w.grad() : null));
        return y;
    }

    /**
     * Embedding lookup: row i of the output is row {@code ids[i]} of the table.
     * <pre>  table: V x C, ids: N, out: N x C;  dtable[ids[i]] += dout[i] (in order i = 0..N-1) </pre>
     */
    public static Tensor embedding(Graph g, Tensor table, int[] ids) {
        int v = table.rows(), c = table.cols();
        Tensor out = g.output(ids.length, c, table);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= v) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                    + " is outside the vocabulary [0, " + v + ")");
            }
            System.arraycopy(table.data(), ids[i] * c, out.data(), i * c, c);
        }
        g.onBackward(out, () -> {
            float[] dt = table.grad(), dout = out.grad();
            for (int i = 0; i < ids.length; i++) {
                g.kernels().axpy(c, 1f, dout, i * c, dt, ids[i] * c);
            }
        });
        return out;
    }

    /**
     * Mean next-token cross-entropy over the rows whose mask is set.
     * <pre>
     *   logits: N x V, targets: N, mask: N (null = all rows), loss: 1 x 1
     *   loss = -(1/M) sum_{i in mask} log softmax(logits_i)[targets_i],   M = |mask|
     *   dlogits_i = (softmax(logits_i) - onehot(targets_i)) dloss / M  for i in mask, 0 elsewhere
     * </pre>
     * Log-sum-exp is taken in double with the row maximum subtracted.
     */
    public static Tensor crossEntropy(Graph g, Tensor logits, int[] targets, boolean[] mask) {
        int n = logits.rows(), v = logits.cols();
        if (targets.length != n || (mask != null && mask.length != n)) {
            throw new IllegalArgumentException("crossEntropy: " + n + " rows of logits but " + targets.length
                + " targets" + (mask == null ? "" : " and " + mask.length + " mask entries"));
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (mask == null || mask[i]) {
                count++;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("crossEntropy: the mask selects no position");
        }
        for (int i = 0; i < n; i++) {
            int t = targets[i];
            if ((mask == null || mask[i]) && (t < 0 || t >= v)) {
                throw new IllegalArgumentException("target " + t + " at row " + i + " is outside [0, " + v + ")");
            }
        }
        Tensor loss = g.output(1, 1, logits);
        float[] probs = g.scratch(n * v); // softmax of each scored row, kept for backward
        double[] terms = new double[n];
        g.kernels().crossEntropyRows(n, v, logits.data(), targets, mask, probs, terms);
        double total = 0;
        for (int i = 0; i < n; i++) { // in row order, whichever thread computed the row
            if (mask == null || mask[i]) {
                total += terms[i];
            }
        }
        int m = count;
        loss.data()[0] = (float) (total / m);
        g.onBackward(loss, () -> g.kernels().crossEntropyRowsBackward(n, v, probs, targets, mask, loss.grad()[0] / m,
            logits.grad()));
        return loss;
    }

    /**
     * Inverted dropout: each entry is zeroed with probability p and the survivors scaled by
     * 1/(1-p); the mask is drawn from the given seeded generator, so a run is reproducible.
     * {@code dx = dy * mask / (1 - p)}.
     */
    public static Tensor dropout(Graph g, Tensor x, float p, java.util.Random rnd) {
        Tensor y = g.output(x.rows(), x.cols(), x);
        float keep = 1f / (1f - p);
        float[] factor = g.scratch(x.size());
        float[] xd = x.data(), yd = y.data();
        for (int i = 0; i < factor.length; i++) {
            factor[i] = rnd.nextFloat() < p ? 0f : keep;
            yd[i] = xd[i] * factor[i];
        }
        g.onBackward(y, () -> {
            float[] dy = y.grad(), dx = x.grad();
            for (int i = 0; i < factor.length; i++) {
                dx[i] += dy[i] * factor[i];
            }
        });
        return y;
    }

    /** Logistic sigmoid {@code y = 1 / (1 + e^-x)}; {@code dx = dy * y (1 - y)}. */
    public static Tensor sigmoid(Graph g, Tensor x) {
        Tensor y = g.output(x.rows(), x.cols(), x);
        float[] xd = x.data(), yd = y.data();
        g.kernels().sigmoid(xd.length, xd, 0, yd, 0);
        g.onBackward(y, () -> {
            float[] dy = y.grad(), dx = x.grad();
            for (int i = 0; i < xd.length; i++) {
                dx[i] += dy[i] * yd[i] * (1f - yd[i]);
            }
        });
        return y;
    }

    /**
     * A smooth absolute value {@code y = sqrt(x^2 + eps^2) - eps}: zero at 0, within eps of |x|,
     * and differentiable everywhere ({@code dx = dy * x / sqrt(x^2 + eps^2)}), so penalties built on
     * |.| have a gradient at 0.
     */
    public static Tensor smoothAbs(Graph g, Tensor x, float eps) {
        if (!(eps > 0)) {
            throw new IllegalArgumentException("smoothAbs needs eps > 0, got " + eps);
        }
        Tensor y = g.output(x.rows(), x.cols(), x);
        float[] xd = x.data(), yd = y.data();
        double e = eps, e2 = e * e; // in double: sqrt(e * e) == e exactly, so smoothAbs(0) == 0
        for (int i = 0; i < xd.length; i++) {
            yd[i] = (float) (Math.sqrt((double) xd[i] * xd[i] + e2) - e);
        }
        g.onBackward(y, () -> {
            float[] dy = y.grad(), dx = x.grad();
            for (int i = 0; i < xd.length; i++) {
                dx[i] += dy[i] * (float) (xd[i] / Math.sqrt((double) xd[i] * xd[i] + e2));
            }
        });
        return y;
    }
}
