package dev.alignguard.math.kernels.opencl;

import com.aparapi.Kernel;

/**
 * The double-precision products of a kept basis (and the Gram matrix of per-example gradients) on an OpenCL device with {@code cl_khr_fp64}, for
 * {@link OpenClKernels#dots}, {@link OpenClKernels#addCombination} and {@link OpenClKernels#gram}: the
 * regularizers' subspace coordinates and combinations, the Lanczos Fisher-vector products and the
 * exact Fisher's {@code G^T G}.
 *
 * <p>{@code rows} holds the m basis rows of length d back to back ({@code rows[k * d + i]}).
 * <ul>
 * <li>phase 0, one work-item per row k: {@code out[k] = sum_i rows[k][i] x[i]}, i ascending, each
 *     step a correctly rounded {@code fma}: a fixed order, different from the reference's lanes, so
 *     it agrees within the rounding bound of a length-d double dot product;
 * <li>phase 1, one work-item per element i: {@code out[i] = fma(rows[k][i], w[k], out[i])} for k
 *     ascending, skipping zero weights: exactly the reference's chain, so the bits are the
 *     reference's.
 * </ul>
 * Aparapi style and the reasons for a class with nothing but fields and {@link #run()}: see
 * {@link GemmKernel}.
 */
final class SubspaceKernel extends Kernel {

    // Buffers (see the class javadoc). Never null or empty: Aparapi rejects both.
    double[] rows = new double[1];
    double[] x = new double[1];
    double[] w = new double[1];
    double[] out = new double[1];

    int phase;
    int m;
    int d;

    @Override
    public void run() {
        int id = getGlobalId(0);
        if (phase == 0 && id < m) {
            double s = 0.0;
            int base = id * d;
            for (int i = 0; i < d; i++) {
                s = fma(rows[base + i], x[i], s);
            }
            out[id] = s;
        }
        if (phase == 2 && id < m * m) {
            int i = id / m;
            int j = id % m;
            if (j >= i) {
                double s = 0.0;
                for (int t = 0; t < d; t++) {
                    s = fma(rows[i * d + t], rows[j * d + t], s);
                }
                out[i * m + j] = s;
                out[j * m + i] = s;
            }
        }
        if (phase == 1 && id < d) {
            double o = out[id];
            for (int k = 0; k < m; k++) {
                double wk = w[k];
                if (wk != 0.0) {
                    o = fma(rows[k * d + id], wk, o);
                }
            }
            out[id] = o;
        }
    }
}
