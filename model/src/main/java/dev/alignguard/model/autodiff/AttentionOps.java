package dev.alignguard.model.autodiff;

import dev.alignguard.math.kernels.Kernels;

/**
 * Rotary position embeddings and causal multi-head attention with grouped-query heads, reading
 * heads as column blocks of the {@code [batch * seq, heads * headDim]} projections in place.
 */
public final class AttentionOps {

    private AttentionOps() {
    }

    /**
     * Rotary embedding, HF "rotate-half" convention, applied to every head of every position.
     * For position t and pair (i, i + half) of a head, angle = t * theta^(-2i / headDim):
     * <pre>
     *   y_i        = x_i cos - x_{i+half} sin
     *   y_{i+half} = x_{i+half} cos + x_i sin
     * </pre>
     * Backward rotates by the opposite angle (the rotation is orthogonal):
     * {@code dx_i = dy_i cos + dy_{i+half} sin}, {@code dx_{i+half} = dy_{i+half} cos - dy_i sin}.
     * x: [batch * seq, heads * headDim]; position t = row mod seq.
     */
    public static Tensor rope(Graph g, Tensor x, int seq, int headDim, float theta) {
        if (headDim % 2 != 0 || x.cols() % headDim != 0 || x.rows() % seq != 0) {
            throw new IllegalArgumentException("rope: " + x.shape() + " does not split into heads of " + headDim
                + " (even) over sequences of " + seq);
        }
        int heads = x.cols() / headDim, c = x.cols();
        float[][] table = ropeTable(seq, headDim, theta);
        float[] cos = table[0], sin = table[1]; // [seq x half] each
        Tensor y = g.output(x.rows(), c, x);
        rotate(x.data(), y.data(), x.rows(), seq, heads, headDim, cos, sin, 1f, false);
        g.onBackward(y, () -> rotate(y.grad(), x.grad(), x.rows(), seq, heads, headDim, cos, sin, -1f, true));
        return y;
    }

    /** The rope tables of recent calls, by (seq, headDim, theta): every layer of every step asks for the same ones. */
    private static final java.util.Map<String, float[][]> ROPE_TABLES = new java.util.concurrent.ConcurrentHashMap<>();

    /** {cos, sin} of angle {@code t * theta^(-2i / headDim)}, each {@code [seq x headDim/2]}; shared, never written. */
    private static float[][] ropeTable(int seq, int headDim, float theta) {
        String key = seq + "/" + headDim + "/" + Float.floatToIntBits(theta);
        float[][] table = ROPE_TABLES.get(key);
        if (table != null) {
            return table;
        }
        int half = headDim / 2;
        float[] cos = new float[seq * half], sin = new float[seq * half];
        for (int t = 0; t < seq; t++) {
            for (int i = 0; i < half; i++) {
                float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
                float angle = t * invFreq;
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        if (ROPE_TABLES.size() > 64) {
            ROPE_TABLES.clear(); // generation walks through many lengths: keep the cache small
        }
        ROPE_TABLES.put(key, new float[][] {cos, sin});
        return new float[][] {cos, sin};
    }

    private static void rotate(float[] in, float[] out, int rows, int seq, int heads, int headDim,
                               float[] cos, float[] sin, float direction, boolean accumulate) {
        int half = headDim / 2, c = heads * headDim;
        for (int r = 0; r < rows; r++) {
            int t = r % seq;
            for (int h = 0; h < heads; h++) {
                int base = r * c + h * headDim;
                for (int i = 0; i < half; i++) {
                    float co = cos[t * half + i], si = direction * sin[t * half + i];
                    float a = in[base + i], b = in[base + i + half];
                    float ya = a * co - b * si, yb = b * co + a * si;
                    if (accumulate) {
                        out[base + i] += ya;
                        out[base + i + half] += yb;
                    } else {
                        out[base + i] = ya;
                        out[base + i + half] = yb;
                    }
                }
            }
        }
    }

    /**
     * Causal scaled dot-product attention, per sequence b and query head h (kv head h / group):
     * <pre>
     *   q: [B*T, H*hd], k, v: [B*T, KVH*hd], out: [B*T, H*hd]
     *   S = Q_bh K_bk^T / sqrt(hd)        (T x T)
     *   P = causal softmax(S)             (T x T, kept for backward)
     *   O_bh = P V_bk                     (T x hd)
     * backward:
     *   dP = dO V^T,  dV += P^T dO,  dS = P * (dP - rowsum(dP * P)),
     *   dQ = dS K / sqrt(hd),  dK += dS^T Q / sqrt(hd)
     * </pre>
     * Sequences and heads are processed in a fixed order, so accumulation into shared kv heads is
     * deterministic. Both passes run on the graph's kernels ({@link Kernels#causalAttention} and its
     * backward), which a backend may fuse.
     */
    public static Tensor causalSelfAttention(Graph g, Tensor q, Tensor k, Tensor v, int seq, int heads, int kvHeads) {
        int rows = q.rows();
        if (heads % kvHeads != 0 || q.cols() % heads != 0) {
            throw new IllegalArgumentException("attention: " + heads + " query heads over " + kvHeads
                + " kv heads and width " + q.cols() + " do not divide");
        }
        int hd = q.cols() / heads;
        if (k.cols() != kvHeads * hd || v.cols() != kvHeads * hd || k.rows() != rows || v.rows() != rows
            || rows % seq != 0) {
            throw new IllegalArgumentException("attention: q " + q.shape() + ", k " + k.shape() + ", v " + v.shape()
                + " inconsistent with " + heads + "/" + kvHeads + " heads and seq " + seq);
        }
        int batch = rows / seq;
        int qc = q.cols();
        float scale = (float) (1.0 / Math.sqrt(hd));
        Kernels K = g.kernels();
        Tensor out = g.output(rows, qc, q, k, v);
        float[] probs = g.scratch(Math.multiplyExact(batch * heads, seq * seq)); // [B, H, T, T], kept for backward
        K.causalAttention(batch, seq, heads, kvHeads, hd, scale, q.data(), k.data(), v.data(), out.data(), probs);
        g.onBackward(out, () -> K.causalAttentionBackward(batch, seq, heads, kvHeads, hd, scale, q.data(), k.data(),
            v.data(), probs, out.grad(), q.requiresGrad() ? q.grad() : null, k.requiresGrad() ? k.grad() : null,
            v.requiresGrad() ? v.grad() : null));
        return out;
    }
}
