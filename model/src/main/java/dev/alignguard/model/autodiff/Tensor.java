package dev.alignguard.model.autodiff;

import java.util.Arrays;

/**
 * A row-major float matrix with an optional gradient buffer: the value type of the autodiff.
 *
 * <p>Everything is two-dimensional ({@code rows x cols}); a batch of sequences is
 * {@code [batch * seq, features]}, a scalar loss is {@code 1 x 1}. Heads are column blocks of
 * width {@code headDim}, which the attention op reads in place (llm.c style), so no reshape
 * copies are needed.
 *
 * <p>A tensor {@link #requiresGrad() requires a gradient} when it is a trainable parameter or was
 * computed from one while a {@link Graph} was recording. Gradients <em>accumulate</em>: backward
 * adds into {@link #grad()}, and {@link #zeroGrad()} is explicit.
 *
 * <p>A tensor computed on a graph with a {@link BufferPool} borrows its values and gradient from
 * the pool; closing the graph gives them back and <em>detaches</em> the tensor: from then on
 * {@link #data()} and {@link #grad()} throw, so a reused buffer is never reachable through it.
 * Copy what must outlive the graph ({@link #copy()}).
 */
public final class Tensor {

    private final String name;
    private final int rows;
    private final int cols;
    private final int size;
    private float[] data;         // [rows x cols], row-major; null once detached
    private boolean requiresGrad;
    private float[] grad;         // [rows x cols], allocated (or borrowed) on first use
    private final Graph lender;   // the pooled graph that lends data and grad, else null
    private boolean detached;
    private boolean gradientReturned;

    private Tensor(String name, int rows, int cols, float[] data, boolean requiresGrad) {
        this(name, rows, cols, data, requiresGrad, null);
    }

    private Tensor(String name, int rows, int cols, float[] data, boolean requiresGrad, Graph lender) {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + rows + " x " + cols
                + " does not match " + data.length + " values");
        }
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.size = data.length;
        this.data = data;
        this.requiresGrad = requiresGrad;
        this.lender = lender;
    }

    /** A constant (no gradient) over the given values, which it takes ownership of. */
    public static Tensor of(int rows, int cols, float[] data) {
        return new Tensor("", rows, cols, data, false);
    }

    /** A zero-filled constant. */
    public static Tensor zeros(int rows, int cols) {
        return of(rows, cols, new float[Math.multiplyExact(rows, cols)]);
    }

    /** A named trainable parameter over the given values. */
    public static Tensor parameter(String name, int rows, int cols, float[] data) {
        return new Tensor(name, rows, cols, data, true);
    }

    /** A 1 x 1 constant. */
    public static Tensor scalar(float value) {
        return of(1, 1, new float[] {value});
    }

    static Tensor intermediate(int rows, int cols, boolean requiresGrad) {
        return new Tensor("", rows, cols, new float[Math.multiplyExact(rows, cols)], requiresGrad);
    }

    /** An op's output over an array lent by a pooled graph, which also lends its gradient. */
    static Tensor borrowed(int rows, int cols, boolean requiresGrad, float[] data, Graph lender) {
        return new Tensor("", rows, cols, data, requiresGrad, lender);
    }

    /**
     * Called by a graph's backward pass once this tensor's gradient has been fully used (the op that
     * made it has propagated it): a pooled graph takes the buffer back, and {@link #grad()} throws
     * from then on. Tensors not lent by a pooled graph keep their gradient.
     */
    void gradientConsumed() {
        if (lender != null && grad != null) {
            lender.returnGradient(grad);
            grad = null;
            gradientReturned = true;
        }
    }

    /** The gradient buffer if one is held (for the lending graph's close), else null. */
    float[] gradientIfHeld() {
        return grad;
    }

    /** Called by the lending graph when it closes: the arrays go back to its pool, this tensor keeps none. */
    void detach() {
        data = null;
        grad = null;
        detached = true;
    }

    private IllegalStateException detachedError() {
        return new IllegalStateException("tensor " + this + " was computed on a graph that has been closed: its buffers"
            + " are reused; copy() what must outlive the graph");
    }

    public String name() {
        return name;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int size() {
        return size;
    }

    /** The values, row-major; mutable on purpose (optimizers update parameters in place). */
    public float[] data() {
        float[] d = data;
        if (d == null) {
            throw detachedError();
        }
        return d;
    }

    public float get(int row, int col) {
        return data()[row * cols + col];
    }

    /** The value of a 1 x 1 tensor. */
    public float item() {
        if (size != 1) {
            throw new IllegalStateException("item() needs a 1 x 1 tensor, this is " + shape());
        }
        return data()[0];
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Freezes or unfreezes a parameter (LoRA freezes the base model). */
    public void setRequiresGrad(boolean requiresGrad) {
        this.requiresGrad = requiresGrad;
    }

    /** The gradient buffer, allocated (zeroed) on first access. */
    public float[] grad() {
        if (grad == null) {
            if (detached) {
                throw detachedError();
            }
            if (gradientReturned) {
                throw new IllegalStateException("the gradient of " + this + " was used up by the backward pass and its"
                    + " buffer reused: read an intermediate gradient during backward (MatrixOps.tap), not after");
            }
            grad = lender == null ? new float[size] : lender.lendGradient(size);
        }
        return grad;
    }

    /** Whether a gradient buffer exists (something has flowed into it since allocation). */
    public boolean hasGrad() {
        return grad != null;
    }

    public void zeroGrad() {
        if (grad != null) {
            Arrays.fill(grad, 0f);
        }
    }

    public String shape() {
        return rows + " x " + cols;
    }

    /** A detached copy of the values (no gradient). */
    public Tensor copy() {
        return of(rows, cols, data().clone());
    }

    @Override
    public String toString() {
        return "Tensor[" + (name.isEmpty() ? "" : name + ", ") + shape() + (requiresGrad ? ", grad" : "") + "]";
    }
}
