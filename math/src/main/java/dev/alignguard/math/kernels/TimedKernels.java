package dev.alignguard.math.kernels;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A decorator that measures how much wall time goes into matrix products (and how many flops
 * they do), for the benchmarks' "share of time in matrix products". Everything else passes through.
 */
public final class TimedKernels extends ForwardingKernels {

    private final AtomicLong gemmNanos = new AtomicLong();
    private final AtomicLong gemmFlops = new AtomicLong();

    public TimedKernels(Kernels inner) {
        super(inner);
    }

    public long gemmNanos() {
        return gemmNanos.get();
    }

    public long gemmFlops() {
        return gemmFlops.get();
    }

    public void reset() {
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
}
