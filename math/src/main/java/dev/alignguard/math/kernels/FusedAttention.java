package dev.alignguard.math.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorKernels}'s causal attention: one job per (sequence b, kv head), which runs the
 * {@code heads / kvHeads} query heads that share the kv head in ascending order. At the sizes of
 * this project (seq and head_dim 32..128) a head's products are far too small for the blocked
 * {@link VectorKernels#gemm} (packing and thread hand-offs cost more than the arithmetic), so each
 * is written out here over rows of at most a few vectors, and the threads split the jobs instead.
 *
 * <p>Same bits as the reference composition ({@link Kernels#causalAttention}) on VectorKernels:
 * every output element is the same chain of {@code fma}s in the same order as the gemm
 * micro-kernel gives it (accumulator from 0, or from C when accumulating, inner index ascending,
 * alpha folded into the A operand as gemm's packing does), and each softmax row goes through
 * {@link VectorKernels#softmaxRow}. The one shortcut, scores right of the causal limit (by whole
 * vectors), is exact: the softmax overwrites those with 0 without reading them. The property test
 * {@code FusedAttentionTest} holds the two together bit for bit.
 *
 * <p>Layouts as {@link Kernels#causalAttention}: {@code q: [B*T x H*hd]}, {@code k, v: [B*T x KVH*hd]},
 * {@code probs: [B, H, T, T]}. Scratch per call: {@code hd x T} transposes of K (forward) or V
 * (backward) and a {@code T x T} dP.
 */
final class FusedAttention {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();

    private FusedAttention() {
    }

    /** Forward of job (b, kvh): S = scale Q K^T, P = causal softmax(S), O = P V, for each head of the group. */
    static void forward(int b, int kvh, int seq, int heads, int kvHeads, int hd, float scale,
                        float[] q, float[] k, float[] v, float[] out, float[] probs, float[] kT) {
        int group = heads / kvHeads, qc = heads * hd, kc = kvHeads * hd;
        int kOff = b * seq * kc + kvh * hd;
        transpose(seq, hd, k, kOff, kc, kT);                               // kT: hd x T
        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
            int p = (b * heads + h) * seq * seq;
            int qOff = b * seq * qc + h * hd;
            for (int i0 = 0; i0 < seq; i0 += ROWS) {
                int rows = Math.min(ROWS, seq - i0);
                // S[i, 0..limit) = sum_c (scale q_ic) kT[c, j]   (gemm: alpha on A, c ascending, from 0);
                // the block's rows run to its last row's limit rounded up to whole vectors (scalar
                // tails cost more than the extra columns), and each softmax zeroes past its own
                int limit = Math.min(seq, roundUp(Kernels.causalLimit(i0 + rows - 1, seq, seq), 2 * LANES));
                rowsTimesMatrix(rows, hd, limit, scale, q, qOff + i0 * qc, qc, 1, kT, 0, seq, probs, p + i0 * seq, seq, false);
                for (int i = i0; i < i0 + rows; i++) {
                    VectorKernels.softmaxRow(probs, p + i * seq, Kernels.causalLimit(i, seq, seq), seq);
                }
            }
            // O = P V: O[i, c] = sum_j P_ij V_jc, j ascending over the whole row, from 0
            rowsTimesMatrix(seq, seq, hd, 1f, probs, p, seq, 1, v, kOff, kc, out, qOff, qc, false);
        }
    }

    /** Backward of job (b, kvh); see {@link Kernels#causalAttentionBackward}. dq, dk, dv may be null. */
    static void backward(int b, int kvh, int seq, int heads, int kvHeads, int hd, float scale,
                         float[] q, float[] k, float[] v, float[] probs, float[] dOut,
                         float[] dq, float[] dk, float[] dv, float[] vT, float[] dP) {
        int group = heads / kvHeads, qc = heads * hd, kc = kvHeads * hd;
        int kOff = b * seq * kc + kvh * hd;
        transpose(seq, hd, v, kOff, kc, vT);                               // vT: hd x T
        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
            int p = (b * heads + h) * seq * seq;
            int qOff = b * seq * qc + h * hd;
            // dP[i, j] = sum_c dO_ic V_jc, from 0
            rowsTimesMatrix(seq, hd, seq, 1f, dOut, qOff, qc, 1, vT, 0, seq, dP, 0, seq, false);
            if (dv != null) {                  // dV[j, c] += sum_i P_ij dO_ic, i ascending
                rowsTimesMatrix(seq, seq, hd, 1f, probs, p, 1, seq, dOut, qOff, qc, dv, kOff, kc, true);
            }
            Kernels.softmaxBackwardRows(seq, probs, p, dP);                // dS in place
            if (dq != null) {                  // dQ[i, c] += sum_j (scale dS_ij) K_jc
                rowsTimesMatrix(seq, seq, hd, scale, dP, 0, seq, 1, k, kOff, kc, dq, qOff, qc, true);
            }
            if (dk != null) {                  // dK[j, c] += sum_i (scale dS_ij) Q_ic
                rowsTimesMatrix(seq, seq, hd, scale, dP, 0, 1, seq, q, qOff, qc, dk, kOff, kc, true);
            }
        }
    }

    /** Rows per block of {@link #rowsTimesMatrix}: 4 rows x 2 vectors = 8 independent fma chains, enough to hide the fma latency. */
    private static final int ROWS = 4;

    /**
     * {@code Y[r, 0..n) (+)= sum_{p < kdim} (alpha A[r, p]) B[p, 0..n)} for r < rows, with A(r, p) at
     * {@code a[aAt + r * aRow + p * aCol]} (any layout, so a transposed A needs no copy), B row-major at
     * bOff with row stride ldb, Y at yAt with row stride ldy. Each element is an fma chain over p
     * ascending from 0 or (accumulate) from Y: gemm's micro-kernel arithmetic. Rows go in blocks of
     * {@link #ROWS}, columns in pairs of vectors, then one vector, then scalars.
     */
    private static void rowsTimesMatrix(int rows, int kdim, int n, float alpha, float[] a, int aAt, int aRow, int aCol,
                                        float[] bm, int bOff, int ldb, float[] y, int yAt, int ldy, boolean accumulate) {
        int r = 0;
        for (; r + ROWS <= rows; r += ROWS) {
            int a0 = aAt + r * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
            int y0 = yAt + r * ldy, y1 = y0 + ldy, y2 = y1 + ldy, y3 = y2 + ldy;
            int j = 0;
            for (; j + 2 * LANES <= n; j += 2 * LANES) {
                FloatVector c00 = start(y, y0 + j, accumulate), c01 = start(y, y0 + j + LANES, accumulate);
                FloatVector c10 = start(y, y1 + j, accumulate), c11 = start(y, y1 + j + LANES, accumulate);
                FloatVector c20 = start(y, y2 + j, accumulate), c21 = start(y, y2 + j + LANES, accumulate);
                FloatVector c30 = start(y, y3 + j, accumulate), c31 = start(y, y3 + j + LANES, accumulate);
                for (int p = 0; p < kdim; p++) {
                    int row = bOff + p * ldb + j, ap = p * aCol;
                    FloatVector b0 = FloatVector.fromArray(S, bm, row);
                    FloatVector b1 = FloatVector.fromArray(S, bm, row + LANES);
                    FloatVector x;
                    x = FloatVector.broadcast(S, alpha * a[a0 + ap]);
                    c00 = x.fma(b0, c00);
                    c01 = x.fma(b1, c01);
                    x = FloatVector.broadcast(S, alpha * a[a1 + ap]);
                    c10 = x.fma(b0, c10);
                    c11 = x.fma(b1, c11);
                    x = FloatVector.broadcast(S, alpha * a[a2 + ap]);
                    c20 = x.fma(b0, c20);
                    c21 = x.fma(b1, c21);
                    x = FloatVector.broadcast(S, alpha * a[a3 + ap]);
                    c30 = x.fma(b0, c30);
                    c31 = x.fma(b1, c31);
                }
                c00.intoArray(y, y0 + j);
                c01.intoArray(y, y0 + j + LANES);
                c10.intoArray(y, y1 + j);
                c11.intoArray(y, y1 + j + LANES);
                c20.intoArray(y, y2 + j);
                c21.intoArray(y, y2 + j + LANES);
                c30.intoArray(y, y3 + j);
                c31.intoArray(y, y3 + j + LANES);
            }
            for (int q = 0; q < ROWS; q++) {
                rowTail(j, kdim, n, alpha, a, a0 + q * aRow, aCol, bm, bOff, ldb, y, y0 + q * ldy, accumulate);
            }
        }
        for (; r < rows; r++) {
            rowTail(0, kdim, n, alpha, a, aAt + r * aRow, aCol, bm, bOff, ldb, y, yAt + r * ldy, accumulate);
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    private static FloatVector start(float[] y, int at, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(S, y, at) : FloatVector.zero(S);
    }

    /** One row of {@link #rowsTimesMatrix} from column j0: single vectors, then scalars (same chains). */
    private static void rowTail(int j0, int kdim, int n, float alpha, float[] a, int aAt, int aCol,
                                float[] bm, int bOff, int ldb, float[] y, int yAt, boolean accumulate) {
        int j = j0;
        for (; j + LANES <= n; j += LANES) {
            FloatVector acc = start(y, yAt + j, accumulate);
            for (int p = 0; p < kdim; p++) {
                acc = FloatVector.broadcast(S, alpha * a[aAt + p * aCol]).fma(FloatVector.fromArray(S, bm, bOff + p * ldb + j), acc);
            }
            acc.intoArray(y, yAt + j);
        }
        for (; j < n; j++) {
            float acc = accumulate ? y[yAt + j] : 0f;
            for (int p = 0; p < kdim; p++) {
                acc = Math.fma(alpha * a[aAt + p * aCol], bm[bOff + p * ldb + j], acc);
            }
            y[yAt + j] = acc;
        }
    }

    /** {@code out[c * rows + r] = x[off + r * ld + c]}: a rows x cols block, transposed into cols x rows. */
    private static void transpose(int rows, int cols, float[] x, int off, int ld, float[] out) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = x[off + r * ld + c];
            }
        }
    }
}
