package dev.alignguard.math;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast CPU backend: SIMD through the Vector API ({@code jdk.incubator.vector}) and threads in a
 * {@link ForkJoinPool} sized to the cores (not the common pool, which other code may be using).
 *
 * <p>The matrix product follows the BLIS/GotoBLAS layering: for each {@code KC}-deep slice of the
 * inner dimension, A and B are packed into contiguous micro-panels (which also absorbs the
 * transposes and alpha), then a {@code MR x NR} register-blocked micro-kernel of FMA instructions
 * sweeps the output tiles. {@code NR} is two SIMD vectors wide, {@code MR = 8} rows, so the kernel
 * keeps 16 accumulators in registers and does 16 FMAs per 2 vector loads and 8 broadcasts.
 *
 * <p>Threads split the output into tiles; every output element is still summed in the same order
 * (k ascending, in KC slices), so results do not depend on the thread count.
 */
public final class VectorKernels implements Kernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();

    /** Micro-tile rows. */
    static final int MR = 8;
    /** Micro-tile columns: two vectors. */
    static final int NR = 2 * LANES;
    /** Depth of one packed slice: an MR x KC panel of A and a KC x NR panel of B fit in L1/L2. */
    static final int KC = 256;
    /** Rows of A per task (a multiple of MR): MC x KC floats stay in L2. */
    static final int MC = 128;
    /** Below this many multiply-adds a product runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1L << 18;

    private final ForkJoinPool pool;
    private final int threads;

    /** A backend whose thread pool has {@code threads} workers. */
    public VectorKernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = new ForkJoinPool(threads);
    }

    /** A backend with one worker per available core. */
    public VectorKernels() {
        this(Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public String device() {
        return "cpu (" + threads + " threads, " + S.vectorBitSize() + "-bit SIMD, " + LANES + " floats per vector)";
    }

    public int threads() {
        return threads;
    }

    // ---------------------------------------------------------------- matrix product

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        scaleOutput(m, n, beta, c, cOff, ldc);
        if (k == 0 || alpha == 0f) {
            return;
        }
        int mPanels = ceilDiv(m, MR);
        int nPanels = ceilDiv(n, NR);
        // Packed A: mPanels micro-panels, each kc x MR (k-major). Packed B: nPanels micro-panels, each kc x NR.
        float[] aPack = new float[mPanels * MR * Math.min(k, KC)];
        float[] bPack = new float[nPanels * NR * Math.min(k, KC)];
        boolean parallel = threads > 1 && (long) m * n * k >= PARALLEL_THRESHOLD;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            packA(transA, m, kc, pc, alpha, a, aOff, lda, aPack);
            packB(transB, n, kc, pc, b, bOff, ldb, bPack);
            if (parallel) {
                pool.invoke(new TileTasks(m, n, kc, aPack, bPack, c, cOff, ldc, tiles(m, n)));
            } else {
                sweep(0, m, 0, nPanels, m, n, kc, aPack, bPack, c, cOff, ldc);
            }
        }
    }

    /** The task grid: blocks of MC rows times chunks of B panels, at least a few per thread. */
    private List<int[]> tiles(int m, int n) {
        int nPanels = ceilDiv(n, NR);
        int rowBlocks = ceilDiv(m, MC);
        int colChunks = Math.max(1, Math.min(nPanels, ceilDiv(4 * threads, rowBlocks)));
        int panelsPerChunk = ceilDiv(nPanels, colChunks);
        List<int[]> tiles = new ArrayList<>();
        for (int ic = 0; ic < m; ic += MC) {
            for (int jp = 0; jp < nPanels; jp += panelsPerChunk) {
                tiles.add(new int[] {ic, Math.min(m, ic + MC), jp, Math.min(nPanels, jp + panelsPerChunk)});
            }
        }
        return tiles;
    }

    private final class TileTasks extends RecursiveAction {
        private final int m, n, kc, cOff, ldc;
        private final float[] aPack, bPack, c;
        private final List<int[]> tiles;

        TileTasks(int m, int n, int kc, float[] aPack, float[] bPack, float[] c, int cOff, int ldc, List<int[]> tiles) {
            this.m = m;
            this.n = n;
            this.kc = kc;
            this.aPack = aPack;
            this.bPack = bPack;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.tiles = tiles;
        }

        @Override
        protected void compute() {
            if (tiles.size() == 1) {
                int[] t = tiles.getFirst();
                sweep(t[0], t[1], t[2], t[3], m, n, kc, aPack, bPack, c, cOff, ldc);
                return;
            }
            int half = tiles.size() / 2;
            invokeAll(new TileTasks(m, n, kc, aPack, bPack, c, cOff, ldc, tiles.subList(0, half)),
                      new TileTasks(m, n, kc, aPack, bPack, c, cOff, ldc, tiles.subList(half, tiles.size())));
        }
    }

    /** Rows [i0, i1) x B panels [jp0, jp1): B panel outer (stays in L1), A panels inner (stream from L2). */
    private static void sweep(int i0, int i1, int jp0, int jp1, int m, int n, int kc,
                              float[] aPack, float[] bPack, float[] c, int cOff, int ldc) {
        float[] edge = null;
        for (int jp = jp0; jp < jp1; jp++) {
            int j = jp * NR;
            int nr = Math.min(NR, n - j);
            for (int i = i0; i < i1; i += MR) {
                int mr = Math.min(MR, m - i);
                int aAt = (i / MR) * MR * kc;
                int bAt = jp * NR * kc;
                if (mr == MR && nr == NR) {
                    microKernel(kc, aPack, aAt, bPack, bAt, c, cOff + i * ldc + j, ldc);
                } else {
                    if (edge == null) {
                        edge = new float[MR * NR];
                    } else {
                        java.util.Arrays.fill(edge, 0f);
                    }
                    microKernel(kc, aPack, aAt, bPack, bAt, edge, 0, NR);
                    for (int r = 0; r < mr; r++) {
                        int row = cOff + (i + r) * ldc + j;
                        for (int q = 0; q < nr; q++) {
                            c[row + q] += edge[r * NR + q];
                        }
                    }
                }
            }
        }
    }

    /**
     * C[8 x NR] += Apanel[kc x 8]^T * Bpanel[kc x NR]: the inner loop everything else feeds.
     * aPack holds, for each p, the 8 row values of A(:, p); bPack holds, for each p, NR values of B(p, :).
     */
    private static void microKernel(int kc, float[] aPack, int aAt, float[] bPack, int bAt,
                                    float[] c, int cAt, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int ai = aAt;
        int bi = bAt;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bPack, bi);
            FloatVector b1 = FloatVector.fromArray(S, bPack, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(S, aPack[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, aPack[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, aPack[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, aPack[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, aPack[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, aPack[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, aPack[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, aPack[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        accumulate(c, cAt, c00, c01);
        accumulate(c, cAt + ldc, c10, c11);
        accumulate(c, cAt + 2 * ldc, c20, c21);
        accumulate(c, cAt + 3 * ldc, c30, c31);
        accumulate(c, cAt + 4 * ldc, c40, c41);
        accumulate(c, cAt + 5 * ldc, c50, c51);
        accumulate(c, cAt + 6 * ldc, c60, c61);
        accumulate(c, cAt + 7 * ldc, c70, c71);
    }

    private static void accumulate(float[] c, int at, FloatVector lo, FloatVector hi) {
        lo.add(FloatVector.fromArray(S, c, at)).intoArray(c, at);
        hi.add(FloatVector.fromArray(S, c, at + LANES)).intoArray(c, at + LANES);
    }

    /** Packs alpha * op(A)[0..m, pc..pc+kc) into MR-row micro-panels, zero-padded to a multiple of MR. */
    private static void packA(boolean transA, int m, int kc, int pc, float alpha,
                              float[] a, int aOff, int lda, float[] aPack) {
        int at = 0;
        for (int i0 = 0; i0 < m; i0 += MR) {
            int mr = Math.min(MR, m - i0);
            for (int p = 0; p < kc; p++) {
                for (int r = 0; r < MR; r++) {
                    float v = 0f;
                    if (r < mr) {
                        int i = i0 + r;
                        v = transA ? a[aOff + (pc + p) * lda + i] : a[aOff + i * lda + pc + p];
                    }
                    aPack[at++] = alpha * v;
                }
            }
        }
    }

    /** Packs op(B)[pc..pc+kc, 0..n) into NR-column micro-panels, zero-padded to a multiple of NR. */
    private static void packB(boolean transB, int n, int kc, int pc, float[] b, int bOff, int ldb, float[] bPack) {
        int at = 0;
        for (int j0 = 0; j0 < n; j0 += NR) {
            int nr = Math.min(NR, n - j0);
            for (int p = 0; p < kc; p++) {
                if (!transB && nr == NR) {
                    System.arraycopy(b, bOff + (pc + p) * ldb + j0, bPack, at, NR);
                    at += NR;
                    continue;
                }
                for (int q = 0; q < NR; q++) {
                    float v = 0f;
                    if (q < nr) {
                        int j = j0 + q;
                        v = transB ? b[bOff + j * ldb + pc + p] : b[bOff + (pc + p) * ldb + j];
                    }
                    bPack[at++] = v;
                }
            }
        }
    }

    /** C = beta * C, with beta == 0 writing zeros without reading C. */
    private static void scaleOutput(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    // ---------------------------------------------------------------- vector ops

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
        }
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void add(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, xOff + i).add(FloatVector.fromArray(S, y, yOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] + y[yOff + i];
        }
    }

    @Override
    public void mul(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, xOff + i).mul(FloatVector.fromArray(S, y, yOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * y[yOff + i];
        }
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            acc = acc.add(FloatVector.fromArray(S, x, xOff + i));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            acc = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s = Math.fma(x[xOff + i], y[yOff + i], s);
        }
        return s;
    }

    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        return dot(n, x, xOff, x, xOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float[] x, int off, int ld, boolean causal) {
        for (int r = 0; r < rows; r++) {
            int row = off + r * ld;
            int limit = causal ? Kernels.causalLimit(r, rows, cols) : cols;
            float max = max(limit, x, row);
            float total = 0f;
            for (int j = 0; j < limit; j++) {
                float e = (float) Math.exp(x[row + j] - max);
                x[row + j] = e;
                total += e;
            }
            scale(limit, 1f / total, x, row);
            java.util.Arrays.fill(x, row + limit, row + cols, 0f);
        }
    }

    private static float max(int n, float[] x, int xOff) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            acc = acc.max(FloatVector.fromArray(S, x, xOff + i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[xOff + i]);
        }
        return m;
    }
}
