package dev.alignguard.math.kernels;

/**
 * The reference backend: plain loops in textbook order, no blocking, no threads. It is the oracle
 * every other backend is tested against, and the one to read to learn what a kernel computes.
 */
public final class ScalarKernels implements Kernels {

    public static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String device() {
        return "cpu (1 thread)";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    float aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bpj = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += aip * bpj;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * s : alpha * s + beta * c[ci];
            }
        }
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        for (int i = 0; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void add(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] + y[yOff + i];
        }
    }

    @Override
    public void mul(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * y[yOff + i];
        }
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[xOff + i] * y[yOff + i];
        }
        return s;
    }

    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        return dot(n, x, xOff, x, xOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float[] x, int off, int ld, boolean causal) {
        for (int i = 0; i < rows; i++) {
            int row = off + i * ld;
            int limit = causal ? Kernels.causalLimit(i, rows, cols) : cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < limit; j++) {
                max = Math.max(max, x[row + j]);
            }
            float total = 0f;
            for (int j = 0; j < limit; j++) {
                float e = (float) Math.exp(x[row + j] - max);
                x[row + j] = e;
                total += e;
            }
            float inv = 1f / total;
            for (int j = 0; j < limit; j++) {
                x[row + j] *= inv;
            }
            for (int j = limit; j < cols; j++) {
                x[row + j] = 0f;
            }
        }
    }
}
