package dev.alignguard.math.kernels;

import dev.alignguard.math.linalg.Vec;

/**
 * The float kernels a transformer and its backward pass need, behind one interface with several
 * backends (see {@link Backends}). Every backend is property-tested against {@link ScalarKernels},
 * the plain-loop oracle.
 *
 * <p>Matrices are row-major {@code float[]} slices described BLAS-style by an offset and a leading
 * dimension (the distance between consecutive rows), so a head's slice of a larger activation can
 * be used in place without copying. Element {@code (i, j)} of a matrix at {@code (x, off, ld)} is
 * {@code x[off + i * ld + j]}.
 *
 * <p>Determinism: for a given backend every result is a pure function of its inputs, whatever the
 * number of threads (work is split over output tiles only; each output element is summed in a
 * fixed order).
 */
public interface Kernels {

    /** Short backend name: {@code scalar}, {@code vector} or {@code opencl}. */
    String name();

    /** Where the kernels actually run (the CPU, or the OpenCL device's name), for start-up reports. */
    String device();

    /**
     * General matrix product {@code C = alpha * op(A) * op(B) + beta * C}.
     *
     * <pre>
     *   op(A): m x k   (A stored m x k when !transA, k x m when transA; row stride lda)
     *   op(B): k x n   (B stored k x n when !transB, n x k when transB; row stride ldb)
     *   C    : m x n   (row stride ldc)
     * </pre>
     *
     * When {@code beta == 0} C is not read (NaN or garbage in C does not propagate), as in BLAS.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc);

    /** Contiguous convenience form: {@code C[m x n] = op(A) * op(B)} (alpha 1, beta 0, dense rows). */
    default void matmul(boolean transA, boolean transB, int m, int n, int k, float[] a, float[] b, float[] c) {
        gemm(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n);
    }

    /** {@code y[0..n) += alpha * x[0..n)}. */
    void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

    /** {@code x[0..n) *= alpha}. */
    void scale(int n, float alpha, float[] x, int xOff);

    /** Element-wise {@code out = x + y}; out may alias x or y. */
    void add(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff);

    /** Element-wise (Hadamard) {@code out = x * y}; out may alias x or y. */
    void mul(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff);

    /** {@code sum_i x[i]}. */
    float sum(int n, float[] x, int xOff);

    /** {@code sum_i x[i] * y[i]}. */
    float dot(int n, float[] x, int xOff, float[] y, int yOff);

    /** {@code sum_i x[i]^2}. */
    float sumOfSquares(int n, float[] x, int xOff);

    /**
     * Row-wise softmax in place over a {@code rows x cols} matrix with row stride {@code ld}.
     * With {@code causal}, row {@code i} only sees columns {@code j <= i + (cols - rows)} (the query
     * rows are the last {@code rows} positions of the key sequence); masked entries become exactly 0.
     */
    void softmaxRows(int rows, int cols, float[] x, int off, int ld, boolean causal);

    /**
     * Element-wise logistic sigmoid {@code out = 1 / (1 + exp(-x))}; out may alias x. The default is
     * the plain loop (the reference); fast backends override it.
     */
    default void sigmoid(int n, float[] x, int xOff, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (float) (1.0 / (1.0 + Math.exp(-x[xOff + i])));
        }
    }

    /**
     * Causal scaled dot-product attention over heads stored as column blocks, per sequence b and
     * query head h (kv head {@code h / (heads / kvHeads)}):
     * <pre>
     *   q, out: [batch*seq x heads*hd], k, v: [batch*seq x kvHeads*hd], probs: [batch, heads, seq, seq]
     *   S = scale Q_bh K_bk^T,  P = causal softmax(S) (kept in probs for the backward),  O_bh = P V_bk
     * </pre>
     * The default is the plain composition of {@link #gemm} and {@link #softmaxRows} (the reference);
     * a backend may fuse it, and must then give the bits its own gemm and softmaxRows would.
     */
    default void causalAttention(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                 float[] q, float[] k, float[] v, float[] out, float[] probs) {
        composedCausalAttention(this, batch, seq, heads, kvHeads, hd, scale, q, k, v, out, probs);
    }

    /** The plain composition behind the default {@link #causalAttention}, for backends that override it but keep it somewhere. */
    static void composedCausalAttention(Kernels kernels, int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                        float[] q, float[] k, float[] v, float[] out, float[] probs) {
        int group = heads / kvHeads, qc = heads * hd, kc = kvHeads * hd;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int p = (b * heads + h) * seq * seq;
                int qOff = b * seq * qc + h * hd, kOff = b * seq * kc + (h / group) * hd;
                kernels.gemm(false, true, seq, seq, hd, scale, q, qOff, qc, k, kOff, kc, 0f, probs, p, seq);
                kernels.softmaxRows(seq, seq, probs, p, seq, true);
                kernels.gemm(false, false, seq, hd, seq, 1f, probs, p, seq, v, kOff, kc, 0f, out, qOff, qc);
            }
        }
    }

    /**
     * The backward of {@link #causalAttention}, accumulating into dq, dk, dv (each null when not
     * wanted):
     * <pre>
     *   dP = dO V^T,  dV += P^T dO,  dS = P * (dP - rowsum(dP * P)) (row sums in double),
     *   dQ += scale dS K,  dK += scale dS^T Q
     * </pre>
     * Sequences and heads in a fixed order (b, then h ascending), so the sums into a kv head shared
     * by a group of query heads are deterministic.
     */
    default void causalAttentionBackward(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                         float[] q, float[] k, float[] v, float[] probs, float[] dOut,
                                         float[] dq, float[] dk, float[] dv) {
        composedCausalAttentionBackward(this, batch, seq, heads, kvHeads, hd, scale, q, k, v, probs, dOut, dq, dk, dv);
    }

    /** The plain composition behind the default {@link #causalAttentionBackward}, for backends that override it but keep it somewhere. */
    static void composedCausalAttentionBackward(Kernels kernels, int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                                float[] q, float[] k, float[] v, float[] probs, float[] dOut,
                                                float[] dq, float[] dk, float[] dv) {
        int group = heads / kvHeads, qc = heads * hd, kc = kvHeads * hd;
        float[] dP = new float[seq * seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int p = (b * heads + h) * seq * seq;
                int qOff = b * seq * qc + h * hd, kOff = b * seq * kc + (h / group) * hd;
                kernels.gemm(false, true, seq, seq, hd, 1f, dOut, qOff, qc, v, kOff, kc, 0f, dP, 0, seq);
                if (dv != null) {
                    kernels.gemm(true, false, seq, hd, seq, 1f, probs, p, seq, dOut, qOff, qc, 1f, dv, kOff, kc);
                }
                softmaxBackwardRows(seq, probs, p, dP);
                if (dq != null) {
                    kernels.gemm(false, false, seq, hd, seq, scale, dP, 0, seq, k, kOff, kc, 1f, dq, qOff, qc);
                }
                if (dk != null) {
                    kernels.gemm(true, false, seq, hd, seq, scale, dP, 0, seq, q, qOff, qc, 1f, dk, kOff, kc);
                }
            }
        }
    }

    /**
     * RMSNorm of each row (HF LlamaRMSNorm), {@code x, y: n x c}, {@code w: c}, {@code inv: n}:
     * {@code inv[i] = r = 1/sqrt(mean_j x_ij^2 + eps)} (the mean summed in double, j ascending),
     * {@code y_ij = x_ij r w_j}. The default is the reference loop; backends may split the rows
     * over threads (each row's arithmetic unchanged).
     */
    default void rmsNorm(int n, int c, float[] x, float[] w, float eps, float[] y, float[] inv) {
        for (int i = 0; i < n; i++) {
            rmsNormRow(i, c, x, w, eps, y, inv);
        }
    }

    /**
     * Softmax cross-entropy, row by row, of the rows that {@code mask} scores (all when null): for
     * row i (logits {@code n x v}, row-major) {@code probs} row i = softmax of the row (float, kept
     * for the backward) and {@code terms[i] = log sum_j exp(l_ij) - l_i,targets[i]} in double; other
     * rows are left alone. The caller sums the terms in row order. Targets must be in [0, v). The
     * default is the reference loop; backends may split the rows over threads (each row's
     * arithmetic unchanged).
     */
    default void crossEntropyRows(int n, int v, float[] logits, int[] targets, boolean[] mask, float[] probs, double[] terms) {
        for (int i = 0; i < n; i++) {
            crossEntropyRow(i, v, logits, targets, mask, probs, terms);
        }
    }

    /** Row i of {@link #crossEntropyRows}. */
    static void crossEntropyRow(int i, int v, float[] logits, int[] targets, boolean[] mask, float[] probs, double[] terms) {
        if (mask != null && !mask[i]) {
            return;
        }
        int row = i * v;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = Math.max(max, logits[row + j]);
        }
        double z = 0;
        for (int j = 0; j < v; j++) {
            double e = Math.exp(logits[row + j] - max);
            probs[row + j] = (float) e;
            z += e;
        }
        double logZ = max + Math.log(z);
        float inv = (float) (1.0 / z);
        for (int j = 0; j < v; j++) {
            probs[row + j] *= inv;
        }
        terms[i] = logZ - logits[row + targets[i]];
    }

    /**
     * The backward of {@link #crossEntropyRows} for a mean over the scored rows:
     * {@code dl_ij += scale p_ij}, then {@code dl_i,t -= scale} on each scored row. The default is
     * the reference loop; backends may split the rows over threads.
     */
    default void crossEntropyRowsBackward(int n, int v, float[] probs, int[] targets, boolean[] mask, float scale, float[] dl) {
        for (int i = 0; i < n; i++) {
            crossEntropyRowBackward(i, v, probs, targets, mask, scale, dl);
        }
    }

    /** Row i of {@link #crossEntropyRowsBackward}. */
    static void crossEntropyRowBackward(int i, int v, float[] probs, int[] targets, boolean[] mask, float scale, float[] dl) {
        if (mask != null && !mask[i]) {
            return;
        }
        int row = i * v;
        for (int j = 0; j < v; j++) {
            dl[row + j] += scale * probs[row + j];
        }
        dl[row + targets[i]] -= scale;
    }

    /** Row i of {@link #rmsNorm}. */
    static void rmsNormRow(int i, int c, float[] x, float[] w, float eps, float[] y, float[] inv) {
        int row = i * c;
        double ms = 0;
        for (int j = 0; j < c; j++) {
            ms += (double) x[row + j] * x[row + j];
        }
        float r = (float) (1.0 / Math.sqrt(ms / c + eps));
        inv[i] = r;
        for (int j = 0; j < c; j++) {
            y[row + j] = x[row + j] * r * w[j];
        }
    }

    /**
     * The backward of {@link #rmsNorm}, with {@code xhat = x r}:
     * <pre>
     *   dw_j += sum_i dy_ij xhat_ij                              (rows ascending; dw null: skipped)
     *   dx_i += r (dy_i * w - xhat_i mean_j(dy_ij w_j xhat_ij))   (the mean in double; dx null: skipped)
     * </pre>
     */
    default void rmsNormBackward(int n, int c, float[] x, float[] w, float[] inv, float[] dy, float[] dx, float[] dw) {
        for (int i = 0; i < n; i++) {
            int row = i * c;
            float r = inv[i];
            if (dw != null) {
                for (int j = 0; j < c; j++) {
                    dw[j] += dy[row + j] * (x[row + j] * r);
                }
            }
            if (dx != null) {
                rmsNormBackwardRow(i, c, x, w, inv, dy, dx);
            }
        }
    }

    /** Row i of {@link #rmsNormBackward}'s dx. */
    static void rmsNormBackwardRow(int i, int c, float[] x, float[] w, float[] inv, float[] dy, float[] dx) {
        int row = i * c;
        float r = inv[i];
        double dot = 0; // sum_j dxhat_j * xhat_j
        for (int j = 0; j < c; j++) {
            dot += (double) dy[row + j] * w[j] * (x[row + j] * r);
        }
        float mean = (float) (dot / c);
        for (int j = 0; j < c; j++) {
            float xhat = x[row + j] * r;
            dx[row + j] += r * (dy[row + j] * w[j] - xhat * mean);
        }
    }

    /** {@code dS = P * (dP - rowsum(dP * P))} in place in dP (seq x seq), each row sum in double, j ascending. */
    static void softmaxBackwardRows(int seq, float[] probs, int p, float[] dP) {
        for (int i = 0; i < seq; i++) {
            int row = i * seq;
            double dot = 0;
            for (int j = 0; j < seq; j++) {
                dot += (double) dP[row + j] * probs[p + row + j];
            }
            for (int j = 0; j < seq; j++) {
                dP[row + j] = probs[p + row + j] * (dP[row + j] - (float) dot);
            }
        }
    }

    /**
     * {@code out[k] = <rows[k], x>} for every row, in double: the coordinates of x in a kept basis
     * (the regularizers' subspace products, the Fisher-vector products of Lanczos). The default is
     * {@link Vec#dots}, the reference; a backend may sum in another fixed order (agreement within
     * the rounding bound of a double dot product of that length).
     */
    default void dots(double[][] rows, double[] x, double[] out) {
        Vec.dots(rows, x, out);
    }

    /**
     * {@code out += sum_k w[k] rows[k]} in double: a combination of basis rows. The default is
     * {@link Vec#addCombination}, the reference: every element is the chain
     * {@code fma(rows[k][i], w[k], .)} over k ascending, skipping zero weights; a backend must give
     * those bits (a correctly rounded fma in the same order leaves no freedom).
     */
    default void addCombination(double[][] rows, double[] w, double[] out) {
        Vec.addCombination(rows, w, out);
    }

    /**
     * Hands {@code rows} (m x d) to the backend for many products against them (see
     * {@link ResidentRows}: the caller must not change them while the handle is open, checked under
     * {@code -Dalignguard.buffers.check=true}). The default keeps the reference; a device backend
     * uploads them once. Close the handle when done.
     */
    default ResidentRows resident(double[][] rows) {
        return ResidentRows.onHost(rows);
    }

    /**
     * {@link #dots(double[][], double[], double[])} against resident rows: the same result, bit for
     * bit, as the plain call on the same backend; a device backend skips the upload.
     */
    default void dots(ResidentRows rows, double[] x, double[] out) {
        dots(rows.rows(), x, out);
    }

    /**
     * {@link #addCombination(double[][], double[], double[])} over resident rows: the same bits as
     * the plain call (which are the reference's on every backend).
     */
    default void addCombination(ResidentRows rows, double[] w, double[] out) {
        addCombination(rows.rows(), w, out);
    }

    /**
     * The Gram matrix of N rows in double, {@code out[i * N + j] = <rows[i], rows[j]>} (N x N,
     * exactly symmetric: each pair computed once, for {@code j >= i}, and mirrored): the empirical
     * Fisher's {@code G^T G} over per-example gradients. The default is {@link Vec#dot} per pair,
     * the reference; a backend may sum in another fixed order (agreement within the rounding bound
     * of a double dot product of the rows' length).
     */
    default void gram(double[][] rows, double[] out) {
        int n = rows.length;
        if (out.length < (long) n * n) {
            throw new IllegalArgumentException(n + " rows need an output of " + (long) n * n + " doubles, got " + out.length);
        }
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double d = Vec.dot(rows[i], rows[j]);
                out[i * n + j] = d;
                out[j * n + i] = d;
            }
        }
    }

    /** Number of the first column row {@code i} may not see under a causal mask. */
    static int causalLimit(int row, int rows, int cols) {
        return Math.min(cols, row + (cols - rows) + 1);
    }
}
