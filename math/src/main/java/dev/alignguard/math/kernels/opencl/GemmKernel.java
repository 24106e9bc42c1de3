package dev.alignguard.math.kernels.opencl;

import com.aparapi.Kernel;

/**
 * Tiled matrix product on an OpenCL device, for {@link OpenClKernels#gemm}:
 * {@code C = alpha * op(A) * op(B) + beta * C}, one work-item per element of C, one
 * {@code TILE x TILE} work-group per {@code TILE x TILE} block of C.
 *
 * <p>Each work-group walks the inner dimension in {@code TILE}-deep steps; per step every work-item
 * loads one element of the A block and one of the B block into local memory, the group meets at a
 * barrier, and each work-item then does {@code TILE} multiply-adds out of local memory. So each
 * element of A (B) is read from global memory {@code n / TILE} ({@code m / TILE}) times, not
 * {@code n} ({@code m}) times.
 *
 * <p>Buffers (contiguous, packed by the host from the caller's strided slices):
 * <pre>
 *   a: op(A) element (i, p) at a[i * aRowStride + p * aColStride]   (covers both transposes)
 *   b: op(B) element (p, j) at b[p * bRowStride + j * bColStride]
 *   c: m x n, row-major, element (i, j) at c[i * n + j]             (read only when beta != 0)
 * </pre>
 * The global range is {@code n x m} rounded up to multiples of {@code TILE} (OpenCL needs global
 * sizes divisible by the local sizes; dimension 0 runs along the columns of C). Out-of-range loads
 * read 0 and out-of-range work-items write nothing, so the buffers need no padding. Each element is
 * summed over {@code p} ascending, the order of {@link ScalarKernels}.
 *
 * <p>Aparapi translates {@link #run()} to OpenCL C, hence the style: flat primitive-array and scalar
 * fields, no objects, no calls beyond Aparapi's intrinsics. The class deliberately has no other
 * methods, constructors or nesting: Aparapi's class-file reader logs a warning for every
 * {@code MethodParameters} ({@code javac -parameters}) and {@code NestHost} attribute it meets.
 * {@link OpenClKernels} sets the fields and grows the buffers under its lock.
 */
final class GemmKernel extends Kernel {

    /** Side of the square work-group and of the local-memory tiles. */
    static final int TILE = 16;

    // Operands (see class javadoc). Never null or empty: Aparapi rejects both.
    float[] a = new float[1];
    float[] b = new float[1];
    float[] c = new float[1];

    int m;
    int n;
    int k;
    int aRowStride;
    int aColStride;
    int bRowStride;
    int bColStride;
    float alpha;
    float beta;

    /** TILE x TILE block of op(A), row-major. */
    @Local
    final float[] aTile = new float[TILE * TILE];
    /** TILE x TILE block of op(B), row-major. */
    @Local
    final float[] bTile = new float[TILE * TILE];

    @Override
    public void run() {
        int j = getGlobalId(0);
        int i = getGlobalId(1);
        int lj = getLocalId(0);
        int li = getLocalId(1);
        float acc = 0f;
        for (int t = 0; t < k; t += TILE) {
            int p = t + lj;
            float av = 0f;
            if (i < m && p < k) {
                av = a[i * aRowStride + p * aColStride];
            }
            aTile[li * TILE + lj] = av;
            int q = t + li;
            float bv = 0f;
            if (q < k && j < n) {
                bv = b[q * bRowStride + j * bColStride];
            }
            bTile[li * TILE + lj] = bv;
            localBarrier();
            for (int pp = 0; pp < TILE; pp++) {
                acc += aTile[li * TILE + pp] * bTile[pp * TILE + lj];
            }
            localBarrier();
        }
        if (i < m && j < n) {
            int at = i * n + j;
            if (beta == 0f) {
                c[at] = alpha * acc;
            } else {
                c[at] = alpha * acc + beta * c[at];
            }
        }
    }
}
