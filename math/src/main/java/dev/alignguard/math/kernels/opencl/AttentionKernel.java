package dev.alignguard.math.kernels.opencl;

import com.aparapi.Kernel;

/**
 * Causal attention and its backward on an OpenCL device, for {@link OpenClKernels#causalAttention}
 * and {@link OpenClKernels#causalAttentionBackward}: every sequence and head in one device call per
 * pass, where the composition of products and softmax took three (forward) or four (backward) calls
 * per sequence and head, each paying Aparapi's per-call cost.
 *
 * <p>Layouts as in {@code Kernels.causalAttention}: {@code q, o: [batch*seq x heads*hd]},
 * {@code k, v: [batch*seq x kvHeads*hd]}, {@code probs, ds: [batch, heads, seq, seq]}; query head
 * {@code h} reads kv head {@code h / (heads / kvHeads)}. Three passes, chosen by {@link #phase}:
 * <ol>
 * <li>(0, forward; one work-item per query row (b, h, i)) {@code s_j = scale * sum_d q_id k_jd}
 *     (d ascending), the causal softmax of the row (maximum, {@code exp}, sum in j order, times the
 *     reciprocal: the scalar reference's steps), masked entries exactly 0, then
 *     {@code o_id = sum_j p_ij v_jd} (j ascending);
 * <li>(1, backward rows; one work-item per (b, h, i)) with {@code o} holding dO:
 *     {@code dp_j = dO_i . v_j}, {@code ds_ij = p_ij (dp_j - sum_j dp_j p_ij)} kept in {@link #ds}
 *     on the device, and {@code dq_i += scale * sum_j ds_ij k_j};
 * <li>(2, backward columns; one work-item per kv row (b, kv head, j)) for the query heads of the
 *     group in ascending order: {@code dv_j += sum_i p_ij dO_i}, {@code dk_j += scale * sum_i ds_ij q_i}
 *     (i ascending). Each work-item owns its output rows, so the sums are in a fixed order.
 * </ol>
 * Each element is summed in the reference composition's order; the differences are fused
 * multiply-adds, the device's {@code exp}, and the softmax backward's row sum, kept in float here
 * (the reference sums it in double: not every OpenCL device has doubles).
 *
 * <p>Aparapi style and the reasons for a class with nothing but fields and {@link #run()}: see
 * {@link GemmKernel}.
 */
final class AttentionKernel extends Kernel {

    // Buffers (see the class javadoc). Never null or empty: Aparapi rejects both.
    float[] q = new float[1];
    float[] k = new float[1];
    float[] v = new float[1];
    /** The output O in the forward pass, the incoming gradient dO in the backward passes. */
    float[] o = new float[1];
    float[] probs = new float[1];
    /** dS of the backward, written by pass 1 and read by pass 2; lives on the device only. */
    float[] ds = new float[1];
    float[] dq = new float[1];
    float[] dk = new float[1];
    float[] dv = new float[1];

    int phase;
    /** Work-items that do work (the range may be rounded up to whole work-groups). */
    int rows;
    int seq;
    int heads;
    int kvHeads;
    int hd;
    float scale;
    /** 1 when dq (dk, dv) is wanted, else 0: Aparapi kernels take no boolean scalars. */
    int wantQ;
    int wantK;
    int wantV;

    @Override
    public void run() {
        int row = getGlobalId(0);
        int group = heads / kvHeads;
        int qc = heads * hd;
        int kc = kvHeads * hd;
        if (row < rows && phase < 2) {
            int i = row % seq;
            int bh = row / seq;
            int h = bh % heads;
            int b = bh / heads;
            int qb = (b * seq + i) * qc + h * hd;
            int kb = b * seq * kc + (h / group) * hd;
            int pb = row * seq;
            int limit = i + 1;
            if (phase == 0) {
                for (int j = 0; j < limit; j++) {
                    float acc = 0f;
                    for (int d = 0; d < hd; d++) {
                        acc += q[qb + d] * k[kb + j * kc + d];
                    }
                    probs[pb + j] = scale * acc;
                }
                float mx = probs[pb];
                for (int j = 1; j < limit; j++) {
                    mx = max(mx, probs[pb + j]);
                }
                float total = 0f;
                for (int j = 0; j < limit; j++) {
                    float e = exp(probs[pb + j] - mx);
                    probs[pb + j] = e;
                    total += e;
                }
                float inv = 1f / total;
                for (int j = 0; j < limit; j++) {
                    probs[pb + j] = probs[pb + j] * inv;
                }
                for (int j = limit; j < seq; j++) {
                    probs[pb + j] = 0f;
                }
                for (int d = 0; d < hd; d++) {
                    o[qb + d] = 0f;
                }
                for (int j = 0; j < limit; j++) {
                    float pj = probs[pb + j];
                    for (int d = 0; d < hd; d++) {
                        o[qb + d] += pj * v[kb + j * kc + d];
                    }
                }
            }
            if (phase == 1) {
                float dot = 0f;
                for (int j = 0; j < limit; j++) {
                    float dp = 0f;
                    for (int d = 0; d < hd; d++) {
                        dp += o[qb + d] * v[kb + j * kc + d];
                    }
                    ds[pb + j] = dp;
                    dot += dp * probs[pb + j];
                }
                for (int j = 0; j < limit; j++) {
                    ds[pb + j] = probs[pb + j] * (ds[pb + j] - dot);
                }
                for (int j = limit; j < seq; j++) {
                    ds[pb + j] = 0f;
                }
                if (wantQ != 0) {
                    for (int d = 0; d < hd; d++) {
                        float acc = 0f;
                        for (int j = 0; j < limit; j++) {
                            acc += ds[pb + j] * k[kb + j * kc + d];
                        }
                        dq[qb + d] = scale * acc + dq[qb + d];
                    }
                }
            }
        }
        if (row < rows && phase == 2) {
            int j = row % seq;
            int bk = row / seq;
            int kvh = bk % kvHeads;
            int b = bk / kvHeads;
            int kRow = (b * seq + j) * kc + kvh * hd;
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                int pbh = (b * heads + h) * seq * seq;
                int qCol = h * hd;
                if (wantV != 0) {
                    for (int d = 0; d < hd; d++) {
                        float acc = 0f;
                        for (int i = j; i < seq; i++) {
                            acc += probs[pbh + i * seq + j] * o[(b * seq + i) * qc + qCol + d];
                        }
                        dv[kRow + d] = acc + dv[kRow + d];
                    }
                }
                if (wantK != 0) {
                    for (int d = 0; d < hd; d++) {
                        float acc = 0f;
                        for (int i = j; i < seq; i++) {
                            acc += ds[pbh + i * seq + j] * q[(b * seq + i) * qc + qCol + d];
                        }
                        dk[kRow + d] = scale * acc + dk[kRow + d];
                    }
                }
            }
        }
    }
}
