package dev.alignguard.math.kernels.opencl;

import com.aparapi.Kernel;
import com.aparapi.Kernel.PrivateMemorySpace;

/**
 * The double-precision products of a kept basis (and the Gram matrix of per-example gradients) on an OpenCL device with {@code cl_khr_fp64}, for
 * {@link OpenClKernels#dots}, {@link OpenClKernels#addCombination} and {@link OpenClKernels#gram}: the
 * regularizers' subspace coordinates and combinations, the Lanczos Fisher-vector products and the
 * exact Fisher's {@code G^T G}.
 *
 * <p>{@code rows} holds the m basis rows of length d back to back ({@code rows[k * d + i]}).
 * <ul>
 * <li>phase 0, one work-item per row k: {@code out[k] = sum_i rows[k][i] x[i]} in a fixed order,
 *     16 running sums (sum t takes every i = t mod 16 below the last whole block, ascending, each
 *     step a correctly rounded {@code fma}; a private array, so PoCL emits vector fmas), added
 *     t ascending, then the tail's fmas: a different order from the reference's lanes, of depth at
 *     most d, so it agrees within the rounding bound of a length-d double dot product;
 * <li>phase 2, one work-item per pair j >= i: {@code out[i][j] = out[j][i] = <rows[i], rows[j]>}
 *     in phase 0's order (so exactly symmetric, within the same bound);
 * <li>phase 1, one work-item per 16 elements i (their sums in a private array, so LLVM in PoCL
 *     emits vector fmas): {@code out[i] = fma(rows[k][i], w[k], out[i])} for k
 *     ascending, skipping zero weights: exactly the reference's chain, so the bits are the
 *     reference's. The host passes only the nonzero weights and their rows (no branch in the
 *     loop). One element per work-item ran 5x slower than the dots on PoCL.
 * </ul>
 * Aparapi style and the reasons for a class with nothing but fields and {@link #run()}: see
 * {@link GemmKernel}.
 */
final class SubspaceKernel extends Kernel {

    // Buffers (see the class javadoc). Never null or empty: Aparapi rejects both.
    double[] rows = new double[1];
    double[] x = new double[1];
    double[] w = new double[1];          // phase 1: the nonzero weights, in ascending row order
    int[] nonzeroRows = new int[1];      // phase 1: their rows
    double[] out = new double[1];

    /** Phase 1: elements per work-item (16 doubles, two AVX-512 vectors). */
    static final int BLOCK = 16;

    /** Phase 1: the work-item's BLOCK running sums. */
    @PrivateMemorySpace(BLOCK)
    final double[] acc = new double[BLOCK];

    int phase;
    int nonzero;
    int m;
    int d;

    @Override
    public void run() {
        int id = getGlobalId(0);
        if (phase == 0 && id < m) {
            int base = id * d;
            int full = d - d % BLOCK;
            for (int t = 0; t < BLOCK; t++) {
                acc[t] = 0.0;
            }
            for (int i = 0; i < full; i += BLOCK) {
                for (int t = 0; t < BLOCK; t++) {
                    acc[t] = fma(rows[base + i + t], x[i + t], acc[t]);
                }
            }
            double s = 0.0;
            for (int t = 0; t < BLOCK; t++) {
                s += acc[t];
            }
            for (int i = full; i < d; i++) {
                s = fma(rows[base + i], x[i], s);
            }
            out[id] = s;
        }
        if (phase == 2 && id < m * m) {
            int i = id / m;
            int j = id % m;
            if (j >= i) {
                int full = d - d % BLOCK;
                for (int t = 0; t < BLOCK; t++) {
                    acc[t] = 0.0;
                }
                for (int q = 0; q < full; q += BLOCK) {
                    for (int t = 0; t < BLOCK; t++) {
                        acc[t] = fma(rows[i * d + q + t], rows[j * d + q + t], acc[t]);
                    }
                }
                double s = 0.0;
                for (int t = 0; t < BLOCK; t++) {
                    s += acc[t];
                }
                for (int q = full; q < d; q++) {
                    s = fma(rows[i * d + q], rows[j * d + q], s);
                }
                out[i * m + j] = s;
                out[j * m + i] = s;
            }
        }
        if (phase == 1) {
            int base = id * BLOCK;
            if (base + BLOCK <= d) {
                for (int t = 0; t < BLOCK; t++) {
                    acc[t] = out[base + t];
                }
                for (int j = 0; j < nonzero; j++) {
                    int rb = nonzeroRows[j] * d + base;
                    double wj = w[j];
                    for (int t = 0; t < BLOCK; t++) {
                        acc[t] = fma(rows[rb + t], wj, acc[t]);
                    }
                }
                for (int t = 0; t < BLOCK; t++) {
                    out[base + t] = acc[t];
                }
            } else if (base < d) {
                for (int i = base; i < d; i++) {
                    double o = out[i];
                    for (int j = 0; j < nonzero; j++) {
                        o = fma(rows[nonzeroRows[j] * d + i], w[j], o);
                    }
                    out[i] = o;
                }
            }
        }
    }
}
