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
 */
public final class Tensor {

    private final String name;
    private final int rows;
    private final int cols;
    private final float[] data;   // [rows x cols], row-major
    private boolean requiresGrad;
    private float[] grad;         // [rows x cols], allocated on first use

    private Tensor(String name, int rows, int cols, float[] data, boolean requiresGrad) {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + rows + " x " + cols
                + " does not match " + data.length + " values");
        }
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        this.requiresGrad = requiresGrad;
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
        return data.length;
    }

    /** The values, row-major; mutable on purpose (optimizers update parameters in place). */
    public float[] data() {
        return data;
    }

    public float get(int row, int col) {
        return data[row * cols + col];
    }

    /** The value of a 1 x 1 tensor. */
    public float item() {
        if (data.length != 1) {
            throw new IllegalStateException("item() needs a 1 x 1 tensor, this is " + shape());
        }
        return data[0];
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
            grad = new float[data.length];
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
        return of(rows, cols, data.clone());
    }

    @Override
    public String toString() {
        return "Tensor[" + (name.isEmpty() ? "" : name + ", ") + shape() + (requiresGrad ? ", grad" : "") + "]";
    }
}
