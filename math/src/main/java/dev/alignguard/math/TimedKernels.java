package dev.alignguard.math;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A decorator that measures how much wall time goes into matrix products (and how many flops
 * they do) and into attention, for the benchmarks' "share of time in matrix products". Everything
 * else passes through.
 */
public final class TimedKernels implements Kernels {

    private final Kernels inner;
    private final AtomicLong gemmNanos = new AtomicLong();
    private final AtomicLong gemmFlops = new AtomicLong();
    private final AtomicLong attentionNanos = new AtomicLong();

    public TimedKernels(Kernels inner) {
        this.inner = inner;
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
    public String name() {
        return inner.name();
    }

    @Override
    public String device() {
        return inner.device();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        long t0 = System.nanoTime();
        inner.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        gemmNanos.addAndGet(System.nanoTime() - t0);
        gemmFlops.addAndGet(2L * m * n * k);
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        inner.axpy(n, alpha, x, xOff, y, yOff);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        inner.scale(n, alpha, x, xOff);
    }

    @Override
    public void add(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        inner.add(n, x, xOff, y, yOff, out, outOff);
    }

    @Override
    public void mul(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        inner.mul(n, x, xOff, y, yOff, out, outOff);
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        return inner.sum(n, x, xOff);
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        return inner.dot(n, x, xOff, y, yOff);
    }

    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        return inner.sumOfSquares(n, x, xOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float[] x, int off, int ld, boolean causal) {
        inner.softmaxRows(rows, cols, x, off, ld, causal);
    }

    @Override
    public void causalAttention(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                float[] q, float[] k, float[] v, float[] out, float[] probs) {
        long t0 = System.nanoTime();
        inner.causalAttention(batch, seq, heads, kvHeads, hd, scale, q, k, v, out, probs);
        attentionNanos.addAndGet(System.nanoTime() - t0);
    }

    @Override
    public void causalAttentionBackward(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                        float[] q, float[] k, float[] v, float[] probs, float[] dOut,
                                        float[] dq, float[] dk, float[] dv) {
        long t0 = System.nanoTime();
        inner.causalAttentionBackward(batch, seq, heads, kvHeads, hd, scale, q, k, v, probs, dOut, dq, dk, dv);
        attentionNanos.addAndGet(System.nanoTime() - t0);
    }

    @Override
    public void rmsNorm(int n, int c, float[] x, float[] w, float eps, float[] y, float[] inv) {
        inner.rmsNorm(n, c, x, w, eps, y, inv);
    }

    @Override
    public void rmsNormBackward(int n, int c, float[] x, float[] w, float[] inv, float[] dy, float[] dx, float[] dw) {
        inner.rmsNormBackward(n, c, x, w, inv, dy, dx, dw);
    }

    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] out, int outOff) {
        inner.sigmoid(n, x, xOff, out, outOff);
    }
}
