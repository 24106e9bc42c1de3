package dev.alignguard.math.kernels.opencl;

import com.aparapi.Kernel;

/**
 * Row-wise softmax with an optional causal mask on an OpenCL device, for
 * {@link OpenClKernels#softmaxRows}: one work-group of {@code GROUP} work-items per row.
 *
 * <p>Row {@code r} (of {@code rows}, stored densely with row stride {@code cols} in {@link #x})
 * sees columns {@code j < limit(r)}: {@code cols} without the mask, {@link Kernels#causalLimit}
 * with it. Work-item {@code l} of the group owns columns {@code l, l + GROUP, l + 2 GROUP, ...};
 * the row maximum and the sum of exponentials are each a pass over the item's columns followed by
 * a tree reduction in local memory (a fixed shape, so results are deterministic). Masked columns
 * become exactly 0; a row that sees no column becomes all 0, as in the scalar reference.
 *
 * <p>The range is {@code rows * GROUP} work-items in groups of {@code GROUP}, always divisible.
 * Aparapi style and the reasons for a class with nothing but fields and {@link #run()}: see
 * {@link GemmKernel}.
 */
final class SoftmaxKernel extends Kernel {

    /** Work-items per row (a power of two, for the tree reductions). */
    static final int GROUP = 64;

    /** rows x cols, row-major, softmaxed in place. Never null or empty. */
    float[] x = new float[1];

    int rows;
    int cols;
    /** 1 for the causal mask, 0 without (an int: Aparapi kernels take no boolean scalars). */
    int causal;

    /** Partial maxima, then partial sums, of the group's work-items. */
    @Local
    final float[] partial = new float[GROUP];

    @Override
    public void run() {
        int r = getGroupId(0);
        int l = getLocalId(0);
        int row = r * cols;
        int limit = cols;
        if (causal != 0) {
            limit = min(cols, r + (cols - rows) + 1);
        }

        // Seed the maximum with the row's first visible element (every item sees it) rather than
        // -infinity; max is exact, so the result is the scalar reference's maximum.
        float mx = 0f;
        if (limit > 0) {
            mx = x[row];
        }
        for (int j = l; j < limit; j += GROUP) {
            mx = max(mx, x[row + j]);
        }
        partial[l] = mx;
        localBarrier();
        for (int s = GROUP / 2; s > 0; s = s / 2) {
            if (l < s) {
                partial[l] = max(partial[l], partial[l + s]);
            }
            localBarrier();
        }
        mx = partial[0];
        localBarrier();

        float total = 0f;
        for (int j = l; j < limit; j += GROUP) {
            float e = exp(x[row + j] - mx);
            x[row + j] = e;
            total += e;
        }
        partial[l] = total;
        localBarrier();
        for (int s = GROUP / 2; s > 0; s = s / 2) {
            if (l < s) {
                partial[l] = partial[l] + partial[l + s];
            }
            localBarrier();
        }
        float inv = 1f / partial[0];

        for (int j = l; j < limit; j += GROUP) {
            x[row + j] = x[row + j] * inv;
        }
        for (int j = limit + l; j < cols; j += GROUP) {
            x[row + j] = 0f;
        }
    }
}
