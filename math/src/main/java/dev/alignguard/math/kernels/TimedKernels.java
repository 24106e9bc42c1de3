package dev.alignguard.math.kernels;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A decorator that measures how much wall time goes into matrix products (and how many flops
 * they do) and into attention, for the benchmarks' "share of time in matrix products". Everything
 * else passes through.
 */
public final class TimedKernels extends ForwardingKernels {

    private final AtomicLong gemmNanos = new AtomicLong();
    private final AtomicLong gemmFlops = new AtomicLong();
    private final AtomicLong attentionNanos = new AtomicLong();

    public TimedKernels(Kernels inner) {
        super(inner);
    }

    public long gemmNanos() {
        return gemmNanos.get();
    }

    public long gemmFlops() {
        return gemmFlops.get();
    }

    /** Wall time in attention (forward and backward), which a backend may run fused rather than as products. */
    public long attentionNanos() {
        return attentionNanos.get();
    }

    public void reset() {
        attentionNanos.set(0);
        gemmNanos.set(0);
        gemmFlops.set(0);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        long t0 = System.nanoTime();
        delegate().gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        gemmNanos.addAndGet(System.nanoTime() - t0);
        gemmFlops.addAndGet(2L * m * n * k);
    }

    @Override
    public void causalAttention(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                float[] q, float[] k, float[] v, float[] out, float[] probs) {
        long t0 = System.nanoTime();
        super.causalAttention(batch, seq, heads, kvHeads, hd, scale, q, k, v, out, probs);
        attentionNanos.addAndGet(System.nanoTime() - t0);
    }

    @Override
    public void causalAttentionBackward(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                        float[] q, float[] k, float[] v, float[] probs, float[] dOut,
                                        float[] dq, float[] dk, float[] dv) {
        long t0 = System.nanoTime();
        super.causalAttentionBackward(batch, seq, heads, kvHeads, hd, scale, q, k, v, probs, dOut, dq, dk, dv);
        attentionNanos.addAndGet(System.nanoTime() - t0);
    }
}
