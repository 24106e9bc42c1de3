package dev.alignguard.proofs.autodiff;

import java.util.List;
import java.util.Random;

import dev.alignguard.model.autodiff.Tensor;

/**
 * The plain reference twin of the sparse mixture-of-experts ops: HF {@code MixtralSparseMoeBlock}
 * and {@code load_balancing_loss_func} written as loops over tokens in double, with none of the
 * gather/combine machinery, so a wrong row, slot or weight in the ops shows up against it. Also the
 * random blocks the laws use, drawn so that no token's k-th and (k+1)-th router logits are closer
 * than a margin (a near tie would let a finite-difference step change the routing).
 */
final class MoeReference {

    private MoeReference() {
    }

    /** A block's weights: router E x C and per expert w1 (F x C), w2 (C x F), w3 (F x C). */
    record Block(Tensor x, Tensor gate, List<Tensor[]> experts, int k) {
        int tokens() {
            return x.rows();
        }

        int cols() {
            return x.cols();
        }
    }

    /** The block output in double ({@code N x C}), and with {@code absolute} the same computation on |operands| (for error bounds). */
    static double[] forward(Block b, boolean absolute) {
        int n = b.tokens(), c = b.cols(), e = b.gate().rows();
        double[] out = new double[n * c];
        for (int t = 0; t < n; t++) {
            double[] xt = row(b.x(), t);
            double[] logits = new double[e];
            for (int j = 0; j < e; j++) {
                logits[j] = dot(row(b.gate(), j), xt, false);
            }
            int[] chosen = topK(logits, b.k());
            double z = 0;
            for (int j : chosen) {
                z += Math.exp(logits[j] - logits[chosen[0]]);
            }
            double logitsAbs = 0;                                        // the largest |.|-evaluation of a router logit
            for (int j = 0; j < e; j++) {
                logitsAbs = Math.max(logitsAbs, dot(row(b.gate(), j), xt, true));
            }
            for (int j : chosen) {
                double w = Math.exp(logits[j] - logits[chosen[0]]) / z;   // renormalised softmax over the chosen
                // |.|-evaluation: a rounding error d in the logits moves w by at most 2 w max|d| (softmax of the chosen),
                // and max|d| <= gamma_C * logitsAbs, so the weight enters the bound as w (1 + 2 logitsAbs)
                w = absolute ? w * (1 + 2 * logitsAbs) : w;
                Tensor[] ex = b.experts().get(j);
                int f = ex[0].rows();
                double[] hidden = new double[f];
                for (int i = 0; i < f; i++) {
                    double a = dot(row(ex[0], i), xt, absolute), u = dot(row(ex[2], i), xt, absolute);
                    double s = absolute ? Math.abs(a) * 1.1 : a / (1 + Math.exp(-a)); // |silu(a)| <= 1.1 |a|
                    hidden[i] = s * u;
                }
                for (int o = 0; o < c; o++) {
                    out[t * c + o] += w * dot(row(ex[1], o), hidden, absolute);
                }
            }
        }
        return out;
    }

    /** The k largest entries by falling value, ties to the lower index (as MoeOps). */
    static int[] topK(double[] v, int k) {
        int[] out = new int[k];
        boolean[] taken = new boolean[v.length];
        for (int s = 0; s < k; s++) {
            int best = -1;
            for (int j = 0; j < v.length; j++) {
                if (!taken[j] && (best < 0 || v[j] > v[best])) {
                    best = j;
                }
            }
            taken[best] = true;
            out[s] = best;
        }
        return out;
    }

    /** HF's load-balancing loss over row-concatenated router logits, in double: E * sum_e f_e P_e. */
    static double loadBalancingLoss(List<Tensor> logits, int k) {
        int e = logits.get(0).cols();
        double[] count = new double[e], prob = new double[e];
        int rows = 0;
        for (Tensor l : logits) {
            for (int t = 0; t < l.rows(); t++) {
                double[] r = row(l, t);
                double max = Double.NEGATIVE_INFINITY, z = 0;
                for (double v : r) {
                    max = Math.max(max, v);
                }
                for (double v : r) {
                    z += Math.exp(v - max);
                }
                for (int j = 0; j < e; j++) {
                    prob[j] += Math.exp(r[j] - max) / z;
                }
                for (int j : topK(r, k)) {
                    count[j]++;
                }
                rows++;
            }
        }
        double s = 0;
        for (int j = 0; j < e; j++) {
            s += (count[j] / rows) * (prob[j] / rows);
        }
        return e * s;
    }

    /** The smallest gap, over rows, between the k-th and (k+1)-th largest entry (infinite when k = E). */
    static double margin(Tensor logits, int k) {
        if (k >= logits.cols()) {
            return Double.POSITIVE_INFINITY;
        }
        double m = Double.POSITIVE_INFINITY;
        for (int t = 0; t < logits.rows(); t++) {
            double[] r = row(logits, t).clone();
            java.util.Arrays.sort(r);
            m = Math.min(m, r[r.length - k] - r[r.length - k - 1]);
        }
        return m;
    }

    /** The router logits x gate^T in double, as a tensor. */
    static Tensor logits(Tensor x, Tensor gate) {
        float[] v = new float[x.rows() * gate.rows()];
        for (int t = 0; t < x.rows(); t++) {
            for (int j = 0; j < gate.rows(); j++) {
                v[t * gate.rows() + j] = (float) dot(row(gate, j), row(x, t), false);
            }
        }
        return Tensor.of(x.rows(), gate.rows(), v);
    }

    /**
     * A random block whose routing no finite-difference step of size {@code h} on one coordinate of x
     * or of the router can change: every token's top-k gap exceeds {@code 2 h max(|x|, |gate|)} (one
     * coordinate moves each logit by at most h times the other factor's largest entry) plus a slack
     * for float rounding. Redraws the router until it does; null after 1,000 tries.
     */
    static Block randomBlock(Random rnd, int n, int c, int f, int e, int k, double h) {
        Tensor x = GradientCheck.randomParameter("x", n, c, rnd, 1);
        List<Tensor[]> experts = new java.util.ArrayList<>();
        for (int j = 0; j < e; j++) {
            experts.add(new Tensor[] {GradientCheck.randomParameter("w1." + j, f, c, rnd, 0.7),
                GradientCheck.randomParameter("w2." + j, c, f, rnd, 0.7), GradientCheck.randomParameter("w3." + j, f, c, rnd, 0.7)});
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            Tensor gate = GradientCheck.randomParameter("gate", e, c, rnd, 1.5);
            double reach = Math.max(maxAbs(x), maxAbs(gate));
            if (margin(logits(x, gate), k) > 2 * h * reach + 1e-3) {
                return new Block(x, gate, experts, k);
            }
        }
        return null;
    }

    static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.data()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double[] row(Tensor t, int r) {
        double[] out = new double[t.cols()];
        for (int j = 0; j < out.length; j++) {
            out[j] = t.get(r, j);
        }
        return out;
    }

    private static double dot(double[] a, double[] b, boolean absolute) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += absolute ? Math.abs(a[i] * b[i]) : a[i] * b[i];
        }
        return s;
    }
}
