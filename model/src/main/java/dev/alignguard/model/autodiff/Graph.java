package dev.alignguard.model.autodiff;

import java.util.ArrayList;
import java.util.List;

import dev.alignguard.math.kernels.Kernels;

/**
 * The tape of a reverse-mode automatic differentiation: each op computes its forward value at once
 * and, when the graph is recording and an input needs a gradient, pushes its backward step here.
 * {@link #backward(Tensor)} seeds {@code d loss / d loss = 1} and replays the steps in reverse.
 *
 * <p>One graph per forward pass; a graph made by {@link #inference} records nothing (evaluation and
 * generation pay no memory for the backward pass).
 *
 * <p>Buffers: a graph made without a pool allocates every output, gradient and saved buffer afresh
 * (the garbage collector reclaims them). A graph made with a {@link BufferPool} borrows them from
 * the pool and, when {@link #close() closed}, gives them all back and detaches every tensor it made;
 * a loop that builds one graph per step in a try-with-resources then reuses step N's arrays in step
 * N + 1. Results are the same bit for bit either way (lent arrays are zero-filled like new ones).
 */
public final class Graph implements AutoCloseable {

    private final Kernels kernels;
    private final boolean recording;
    private final BufferPool pool;                            // null: fresh arrays
    private final List<Runnable> backwardSteps = new ArrayList<>();
    private final List<Tensor> backwardOutputs = new ArrayList<>(); // the output of each step, same order
    private final List<Tensor> borrowedTensors = new ArrayList<>();
    private final List<float[]> borrowedArrays = new ArrayList<>(); // the ops' saved buffers
    private boolean closed;

    private Graph(Kernels kernels, boolean recording, BufferPool pool) {
        this.kernels = kernels;
        this.recording = recording;
        this.pool = pool;
    }

    /** A recording graph on the given kernels. */
    public static Graph training(Kernels kernels) {
        return new Graph(kernels, true, null);
    }

    /** A no-gradient graph: ops compute values only. */
    public static Graph inference(Kernels kernels) {
        return new Graph(kernels, false, null);
    }

    /** A recording graph whose buffers come from (and, on {@link #close()}, go back to) the pool. */
    public static Graph training(Kernels kernels, BufferPool pool) {
        return new Graph(kernels, true, java.util.Objects.requireNonNull(pool, "pool"));
    }

    /** A no-gradient graph whose buffers come from (and, on {@link #close()}, go back to) the pool. */
    public static Graph inference(Kernels kernels, BufferPool pool) {
        return new Graph(kernels, false, java.util.Objects.requireNonNull(pool, "pool"));
    }

    public Kernels kernels() {
        return kernels;
    }

    public boolean recording() {
        return recording;
    }

    /** A fresh output tensor that needs a gradient iff recording and any input needs one. */
    public Tensor output(int rows, int cols, Tensor... inputs) {
        return output(false, rows, cols, inputs);
    }

    /**
     * As {@link #output}, for an op that writes every element of its output before anything reads
     * it (a matrix product with {@code beta == 0}, an element-wise kernel over the whole tensor):
     * the buffer is not zero-filled first (see {@link BufferPool#takeToOverwrite}; with a checked
     * pool it starts as NaN, so a missed element shows).
     */
    public Tensor outputToOverwrite(int rows, int cols, Tensor... inputs) {
        return output(true, rows, cols, inputs);
    }

    private Tensor output(boolean overwritten, int rows, int cols, Tensor... inputs) {
        boolean needs = false;
        if (recording) {
            for (Tensor t : inputs) {
                needs |= t.requiresGrad();
            }
        }
        if (pool == null) {
            return Tensor.intermediate(rows, cols, needs);
        }
        requireOpen();
        int size = Math.multiplyExact(rows, cols);
        Tensor t = Tensor.borrowed(rows, cols, needs, overwritten ? pool.takeToOverwrite(size) : pool.take(size), this);
        borrowedTensors.add(t);
        return t;
    }

    /**
     * A zero-filled buffer of n floats that an op keeps for its backward (softmax probabilities, a
     * norm's inverse scales); lent by the pool until the graph closes, when there is one.
     */
    public float[] scratch(int n) {
        return scratch(false, n);
    }

    /**
     * As {@link #scratch}, for a buffer the op writes in full before reading it: not zero-filled
     * first (see {@link #outputToOverwrite}).
     */
    public float[] scratchToOverwrite(int n) {
        return scratch(true, n);
    }

    private float[] scratch(boolean overwritten, int n) {
        if (pool == null) {
            return new float[n];
        }
        requireOpen();
        float[] a = overwritten ? pool.takeToOverwrite(n) : pool.take(n);
        borrowedArrays.add(a);
        return a;
    }

    /** The gradient buffer of a tensor this graph lent (see {@link Tensor#grad()}); it goes back with the tensor. */
    float[] lendGradient(int n) {
        requireOpen();
        return pool.take(n);
    }

    /** Takes back a gradient this graph lent, once the backward pass is done with it. */
    void returnGradient(float[] grad) {
        pool.give(grad);
    }

    /**
     * Ends the graph: drops the recorded backward steps and, with a pool, gives every borrowed
     * buffer back and detaches the tensors made here (their {@code data()} then throws). Values
     * needed later must be read or copied before. Idempotent.
     */
    @Override
    public void close() {
        backwardSteps.clear();
        backwardOutputs.clear();
        if (closed) {
            return;
        }
        closed = true;
        if (pool == null) {
            return;
        }
        for (Tensor t : borrowedTensors) {
            pool.give(t.data());
            float[] grad = t.gradientIfHeld();
            if (grad != null) {
                pool.give(grad);
            }
            t.detach();
        }
        for (float[] a : borrowedArrays) {
            pool.give(a);
        }
        borrowedTensors.clear();
        borrowedArrays.clear();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this graph has been closed: its buffers went back to the pool");
        }
    }

    /** Registers the backward step of an op whose output is {@code out} (ignored when not needed). */
    public void onBackward(Tensor out, Runnable step) {
        if (recording && out.requiresGrad()) {
            backwardSteps.add(step);
            backwardOutputs.add(out);
        }
    }

    /** Back-propagates from a 1 x 1 loss into every tensor that requires a gradient. */
    public void backward(Tensor loss) {
        if (!recording) {
            throw new IllegalStateException("backward() on an inference graph: nothing was recorded");
        }
        if (loss.size() != 1) {
            throw new IllegalArgumentException("backward() needs a 1 x 1 loss, got " + loss.shape());
        }
        if (!loss.requiresGrad()) {
            throw new IllegalStateException("the loss does not depend on any trainable parameter");
        }
        loss.grad()[0] += 1f;
        for (int i = backwardSteps.size() - 1; i >= 0; i--) {
            backwardSteps.get(i).run();
            // every consumer of this op's output ran before it, so its gradient is complete and now
            // used: a pooled graph lends the buffer to the gradients still to come (as PyTorch frees it)
            backwardOutputs.get(i).gradientConsumed();
        }
        backwardSteps.clear();
        backwardOutputs.clear();
    }
}
