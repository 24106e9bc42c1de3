package dev.alignguard.model.autodiff;

import java.util.List;

/**
 * The ops of a sparse mixture-of-experts block with Hugging Face's {@code MixtralSparseMoeBlock}
 * semantics: route (softmax, top-k, renormalise), gather each expert's rows, combine the weighted
 * expert outputs, and the load-balancing loss ({@code load_balancing_loss_func}). Each backward sits
 * under its forward and names the formula it applies.
 */
public final class MoeOps {

    private MoeOps() {
    }

    /**
     * Top-k routing of each row of the router logits.
     * <pre>
     *   logits: N x E;  p = softmax(logits) per row (exp in double, stored as float, as HF's float softmax)
     *   chosen: the k largest p of each row (falling; ties broken toward the lower expert index)
     *   w_j = p_j / sum_{i chosen} p_i    (N x k; HF Mixtral always renormalises)
     * </pre>
     * Since {@code p_j / sum_chosen p = exp(l_j) / sum_chosen exp(l_i)}, w is the softmax of the chosen
     * logits, and the backward is that softmax's:
     * <pre>  dl_j = w_j (dw_j - sum_i w_i dw_i) for chosen j, 0 for the others </pre>
     * The choice itself is piecewise constant and carries no gradient.
     */
    public static Routing route(Graph g, Tensor logits, int k) {
        int n = logits.rows(), e = logits.cols();
        if (k < 1 || k > e) {
            throw new IllegalArgumentException("route: top-" + k + " of " + e + " experts (need 1 <= k <= experts)");
        }
        float[] ld = logits.data();
        float[] probs = new float[n * e];        // N x E
        int[] chosen = new int[n * k];           // N x k
        Tensor w = g.output(n, k, logits);       // N x k
        float[] wd = w.data();
        for (int t = 0; t < n; t++) {
            int row = t * e;
            softmaxRow(ld, row, e, probs);
            topK(probs, row, e, k, chosen, t * k);
            double sum = 0;
            for (int s = 0; s < k; s++) {
                sum += probs[row + chosen[t * k + s]];
            }
            for (int s = 0; s < k; s++) {
                wd[t * k + s] = (float) (probs[row + chosen[t * k + s]] / sum);
            }
        }
        g.onBackward(w, () -> {
            float[] dw = w.grad(), dl = logits.grad();
            for (int t = 0; t < n; t++) {
                double dot = 0;
                for (int s = 0; s < k; s++) {
                    dot += (double) wd[t * k + s] * dw[t * k + s];
                }
                for (int s = 0; s < k; s++) {
                    dl[t * e + chosen[t * k + s]] += (float) (wd[t * k + s] * (dw[t * k + s] - dot));
                }
            }
        });
        return new Routing(n, e, k, chosen, probs, w);
    }

    /** The k largest of {@code p[from .. from + e)} by falling value, ties to the lower index, into {@code out[at .. at + k)}. */
    static void topK(float[] p, int from, int e, int k, int[] out, int at) {
        for (int s = 0; s < k; s++) {
            int best = -1;
            for (int j = 0; j < e; j++) {
                if (taken(out, at, s, j)) {
                    continue;
                }
                if (best < 0 || p[from + j] > p[from + best]) {
                    best = j;
                }
            }
            out[at + s] = best;
        }
    }

    private static boolean taken(int[] out, int at, int count, int j) {
        for (int s = 0; s < count; s++) {
            if (out[at + s] == j) {
                return true;
            }
        }
        return false;
    }

    /**
     * The given rows of x, in the given order.
     * <pre>  x: N x C, rows: M indices, out: M x C;  dx[rows[i]] += dout[i] </pre>
     */
    public static Tensor gatherRows(Graph g, Tensor x, int[] rows) {
        int c = x.cols();
        Tensor out = g.output(rows.length, c, x);
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= x.rows()) {
                throw new IllegalArgumentException("gatherRows: row " + rows[i] + " outside [0, " + x.rows() + ")");
            }
            System.arraycopy(x.data(), rows[i] * c, out.data(), i * c, c);
        }
        g.onBackward(out, () -> {
            float[] dout = out.grad(), dx = x.grad();
            for (int i = 0; i < rows.length; i++) {
                g.kernels().axpy(c, 1f, dout, i * c, dx, rows[i] * c);
            }
        });
        return out;
    }

    /**
     * The block's output: each token's expert outputs weighted by its routing weights and summed,
     * experts in index order (as HF's {@code index_add_} loop).
     * <pre>
     *   outputs[e]: M_e x C, the rows of routing.tokensOf(e) through expert e (null when M_e = 0)
     *   out[t] = sum_{e ascending, t chose e in slot s} w[t, s] * outputs[e][row of t]      N x C
     *   doutputs[e][row of t] += w[t, s] dout[t];   dw[t, s] += <dout[t], outputs[e][row of t]>
     * </pre>
     */
    public static Tensor combine(Graph g, Routing routing, List<Tensor> outputs, int cols) {
        int n = routing.tokens(), k = routing.perToken();
        if (outputs.size() != routing.experts()) {
            throw new IllegalArgumentException("combine: " + outputs.size() + " expert outputs for " + routing.experts() + " experts");
        }
        Tensor w = routing.weights();
        Tensor[] inputs = new Tensor[outputs.size() + 1];
        int[][] rows = new int[outputs.size()][];
        for (int e = 0; e < outputs.size(); e++) {
            rows[e] = routing.tokensOf(e);
            Tensor y = outputs.get(e);
            int expected = rows[e].length;
            if (expected == 0 ? y != null : (y == null || y.rows() != expected || y.cols() != cols)) {
                throw new IllegalArgumentException("combine: expert " + e + " has " + (y == null ? "no output" : y.shape())
                    + " for " + expected + " routed tokens of width " + cols);
            }
            inputs[e] = y == null ? w : y;
        }
        inputs[outputs.size()] = w;
        Tensor out = g.output(n, cols, inputs);
        float[] od = out.data(), wd = w.data();
        for (int e = 0; e < rows.length; e++) {
            float[] yd = rows[e].length == 0 ? null : outputs.get(e).data();
            for (int i = 0; i < rows[e].length; i++) {
                int t = rows[e][i];
                float wt = wd[t * k + routing.slotOf(t, e)];
                for (int c = 0; c < cols; c++) {
                    od[t * cols + c] += yd[i * cols + c] * wt;
                }
            }
        }
        g.onBackward(out, () -> {
            float[] dout = out.grad();
            for (int e = 0; e < rows.length; e++) {
                Tensor y = outputs.get(e);
                if (y == null) {
                    continue;
                }
                float[] yd = y.data();
                for (int i = 0; i < rows[e].length; i++) {
                    int t = rows[e][i];
                    int s = t * k + routing.slotOf(t, e);
                    if (y.requiresGrad()) {
                        g.kernels().axpy(cols, wd[s], dout, t * cols, y.grad(), i * cols);
                    }
                    if (w.requiresGrad()) {
                        double dot = 0;
                        for (int c = 0; c < cols; c++) {
                            dot += (double) dout[t * cols + c] * yd[i * cols + c];
                        }
                        w.grad()[s] += (float) dot;
                    }
                }
            }
        });
        return out;
    }

    /**
     * HF Mixtral's auxiliary load-balancing loss (Switch Transformer eq. 4-6) over the router logits of
     * every layer, concatenated along the rows as {@code load_balancing_loss_func} does (no padding mask):
     * <pre>
     *   R = sum of the layers' rows;  p = softmax(logits) per row (R x E)
     *   f_e = (number of (row, slot) pairs whose top-k choice is e) / R      (no gradient)
     *   P_e = (1/R) sum_rows p[r, e]
     *   loss = E * sum_e f_e P_e                                              1 x 1
     *   dp[r, e] = dloss * E f_e / R;   dl[r, j] = p_j (dp_j - sum_i p_i dp_i)
     * </pre>
     * Perfectly balanced routing gives {@code loss = k}; all tokens on the same k experts give up to {@code E}.
     */
    public static Tensor loadBalancingLoss(Graph g, List<Tensor> routerLogits, int k) {
        if (routerLogits.isEmpty()) {
            throw new IllegalArgumentException("loadBalancingLoss: no router logits");
        }
        int e = routerLogits.get(0).cols();
        int r = 0;
        for (Tensor l : routerLogits) {
            if (l.cols() != e) {
                throw new IllegalArgumentException("loadBalancingLoss: router logits of " + l.cols() + " and " + e + " experts");
            }
            r += l.rows();
        }
        if (r == 0) {
            throw new IllegalArgumentException("loadBalancingLoss: no rows");
        }
        if (k < 1 || k > e) {
            throw new IllegalArgumentException("loadBalancingLoss: top-" + k + " of " + e + " experts");
        }
        Tensor loss = g.output(1, 1, routerLogits.toArray(Tensor[]::new));
        double[] count = new double[e];
        double[] probSum = new double[e];
        float[][] probs = new float[routerLogits.size()][];
        int[] chosen = new int[k];
        for (int li = 0; li < routerLogits.size(); li++) {
            Tensor l = routerLogits.get(li);
            float[] ld = l.data();
            float[] p = new float[ld.length];
            for (int t = 0; t < l.rows(); t++) {
                int row = t * e;
                softmaxRow(ld, row, e, p);
                for (int j = 0; j < e; j++) {
                    probSum[j] += p[row + j];
                }
                topK(p, row, e, k, chosen, 0);
                for (int s = 0; s < k; s++) {
                    count[chosen[s]]++;
                }
            }
            probs[li] = p;
        }
        double total = 0;
        double[] f = new double[e];
        for (int j = 0; j < e; j++) {
            f[j] = count[j] / r;
            total += f[j] * (probSum[j] / r);
        }
        loss.data()[0] = (float) (e * total);
        int rows = r;
        g.onBackward(loss, () -> {
            double d = loss.grad()[0];
            for (int li = 0; li < routerLogits.size(); li++) {
                Tensor l = routerLogits.get(li);
                if (!l.requiresGrad()) {
                    continue;
                }
                float[] p = probs[li], dl = l.grad();
                for (int t = 0; t < l.rows(); t++) {
                    int row = t * e;
                    double dot = 0;
                    for (int j = 0; j < e; j++) {
                        dot += p[row + j] * (d * e * f[j] / rows);
                    }
                    for (int j = 0; j < e; j++) {
                        dl[row + j] += (float) (p[row + j] * (d * e * f[j] / rows - dot));
                    }
                }
            }
        });
        return loss;
    }

    /** The router's softmax of one row, {@code out[row + j] = exp(l_j - max) / sum_i exp(l_i - max)}, summed in double. */
    private static void softmaxRow(float[] logits, int row, int e, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < e; j++) {
            max = Math.max(max, logits[row + j]);
        }
        double z = 0;
        for (int j = 0; j < e; j++) {
            z += Math.exp(logits[row + j] - max);
        }
        for (int j = 0; j < e; j++) {
            out[row + j] = (float) (Math.exp(logits[row + j] - max) / z);
        }
    }
}
