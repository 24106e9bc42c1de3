package dev.alignguard.math.kernels;

/**
 * Kernels that pass every op to another backend; a subclass overrides only the ops it does itself
 * (a decorator that measures, or a backend that runs some ops on a device and the rest on the host).
 */
public abstract class ForwardingKernels implements Kernels {

    private final Kernels delegate;

    protected ForwardingKernels(Kernels delegate) {
        this.delegate = delegate;
    }

    /** Where the ops this class does not override go. */
    protected final Kernels delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public String device() {
        return delegate.device();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        delegate.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        delegate.axpy(n, alpha, x, xOff, y, yOff);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        delegate.scale(n, alpha, x, xOff);
    }

    @Override
    public void add(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        delegate.add(n, x, xOff, y, yOff, out, outOff);
    }

    @Override
    public void mul(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        delegate.mul(n, x, xOff, y, yOff, out, outOff);
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        return delegate.sum(n, x, xOff);
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        return delegate.dot(n, x, xOff, y, yOff);
    }

    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        return delegate.sumOfSquares(n, x, xOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float[] x, int off, int ld, boolean causal) {
        delegate.softmaxRows(rows, cols, x, off, ld, causal);
    }

    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] out, int outOff) {
        delegate.sigmoid(n, x, xOff, out, outOff);
    }

    @Override
    public void causalAttention(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                float[] q, float[] k, float[] v, float[] out, float[] probs) {
        delegate.causalAttention(batch, seq, heads, kvHeads, hd, scale, q, k, v, out, probs);
    }

    @Override
    public void causalAttentionBackward(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                        float[] q, float[] k, float[] v, float[] probs, float[] dOut,
                                        float[] dq, float[] dk, float[] dv) {
        delegate.causalAttentionBackward(batch, seq, heads, kvHeads, hd, scale, q, k, v, probs, dOut, dq, dk, dv);
    }

    @Override
    public void rmsNorm(int n, int c, float[] x, float[] w, float eps, float[] y, float[] inv) {
        delegate.rmsNorm(n, c, x, w, eps, y, inv);
    }

    @Override
    public void rmsNormBackward(int n, int c, float[] x, float[] w, float[] inv, float[] dy, float[] dx, float[] dw) {
        delegate.rmsNormBackward(n, c, x, w, inv, dy, dx, dw);
    }

    @Override
    public void crossEntropyRows(int n, int v, float[] logits, int[] targets, boolean[] mask, float[] probs, double[] terms) {
        delegate.crossEntropyRows(n, v, logits, targets, mask, probs, terms);
    }

    @Override
    public void crossEntropyRowsBackward(int n, int v, float[] probs, int[] targets, boolean[] mask, float scale, float[] dl) {
        delegate.crossEntropyRowsBackward(n, v, probs, targets, mask, scale, dl);
    }

    @Override
    public void dots(double[][] rows, double[] x, double[] out) {
        delegate.dots(rows, x, out);
    }

    @Override
    public void addCombination(double[][] rows, double[] w, double[] out) {
        delegate.addCombination(rows, w, out);
    }

    @Override
    public ResidentRows resident(double[][] rows) {
        return delegate.resident(rows);
    }

    @Override
    public void dots(ResidentRows rows, double[] x, double[] out) {
        delegate.dots(rows, x, out);
    }

    @Override
    public void addCombination(ResidentRows rows, double[] w, double[] out) {
        delegate.addCombination(rows, w, out);
    }

    @Override
    public void gram(double[][] rows, double[] out) {
        delegate.gram(rows, out);
    }
}
