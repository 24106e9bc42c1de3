package dev.alignguard.math.kernels.opencl;

import com.aparapi.Kernel;

/**
 * Register-blocked matrix product for CPU-like OpenCL devices (PoCL), for {@link OpenClKernels#gemm}:
 * {@code C = alpha * op(A) * op(B) + beta * C}, one work-item per {@code ROWS x COLS} block of C.
 *
 * <p>The host packs the operands into panels (BLIS-style), so that each work-item streams through
 * contiguous memory:
 * <pre>
 *   a: mPad/ROWS panels, panel ip = op(A) rows ip*ROWS.., stored k x ROWS: a[ip*k*ROWS + p*ROWS + r]
 *   b: nPad/COLS panels, panel jp = op(B) cols jp*COLS.., stored k x COLS: b[jp*k*COLS + p*COLS + w]
 *   c: mPad x nPad, row stride ldc (= nPad), read only when beta != 0
 * </pre>
 * with {@code mPad, nPad} multiples of {@code ROWS, COLS} and zeros in the padding, so the kernel
 * has no bounds checks. The {@code ROWS x COLS} accumulators live in private memory; the inner
 * loop over the {@code COLS} columns has independent iterations, which the device compiler (LLVM
 * in PoCL) turns into one vector multiply-add per row: per step of {@code p}, one vector load of B,
 * {@code ROWS} broadcasts of A, {@code ROWS} multiply-adds. Each element is still summed over
 * {@code p} ascending, as in the scalar reference; only the contraction into fused multiply-adds
 * differs.
 *
 * <p>Why not local-memory tiles here: on a CPU device "local" memory is ordinary cached memory, and
 * a work-group's barriers make PoCL spill every work-item's accumulators between them; the
 * local-memory tiled {@link GemmKernel} measured 1.9 GFLOP/s on PoCL against this kernel's 15-27
 * (benchmarks/RESULTS.md, issue 17). {@link GemmKernel} remains the choice for GPUs.
 *
 * <p>Aparapi style and the reasons for a class with nothing but fields and {@link #run()}: see
 * {@link GemmKernel}.
 */
final class PanelGemmKernel extends Kernel {

    /** Rows of C per work-item (the A panel's width). */
    static final int ROWS = 8;
    /** Columns of C per work-item (the B panel's width; 16 floats, one AVX-512 vector). */
    static final int COLS = 16;

    // Operands (see class javadoc). Never null or empty: Aparapi rejects both.
    float[] a = new float[1];
    float[] b = new float[1];
    float[] c = new float[1];

    int k;
    int ldc;
    float alpha;
    float beta;

    /** The work-item's ROWS x COLS accumulators, row-major. */
    @PrivateMemorySpace(ROWS * COLS)
    final float[] acc = new float[ROWS * COLS];

    @Override
    public void run() {
        int jp = getGlobalId(0);
        int ip = getGlobalId(1);
        for (int w = 0; w < ROWS * COLS; w++) {
            acc[w] = 0f;
        }
        int aBase = ip * k * ROWS;
        int bBase = jp * k * COLS;
        for (int p = 0; p < k; p++) {
            for (int r = 0; r < ROWS; r++) {
                float av = a[aBase + p * ROWS + r];
                for (int w = 0; w < COLS; w++) {
                    acc[r * COLS + w] += av * b[bBase + p * COLS + w];
                }
            }
        }
        if (beta == 0f) {
            for (int r = 0; r < ROWS; r++) {
                int o = (ip * ROWS + r) * ldc + jp * COLS;
                for (int w = 0; w < COLS; w++) {
                    c[o + w] = alpha * acc[r * COLS + w];
                }
            }
        }
        if (beta != 0f) {
            for (int r = 0; r < ROWS; r++) {
                int o = (ip * ROWS + r) * ldc + jp * COLS;
                for (int w = 0; w < COLS; w++) {
                    c[o + w] = alpha * acc[r * COLS + w] + beta * c[o + w];
                }
            }
        }
    }
}
