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
 */
public final class Graph {

    private final Kernels kernels;
    private final boolean recording;
    private final List<Runnable> backwardSteps = new ArrayList<>();

    private Graph(Kernels kernels, boolean recording) {
        this.kernels = kernels;
        this.recording = recording;
    }

    /** A recording graph on the given kernels. */
    public static Graph training(Kernels kernels) {
        return new Graph(kernels, true);
    }

    /** A no-gradient graph: ops compute values only. */
    public static Graph inference(Kernels kernels) {
        return new Graph(kernels, false);
    }

    public Kernels kernels() {
        return kernels;
    }

    public boolean recording() {
        return recording;
    }

    /** A fresh output tensor that needs a gradient iff recording and any input needs one. */
    public Tensor output(int rows, int cols, Tensor... inputs) {
        boolean needs = false;
        if (recording) {
            for (Tensor t : inputs) {
                needs |= t.requiresGrad();
            }
        }
        return Tensor.intermediate(rows, cols, needs);
    }

    /** Registers the backward step of an op whose output is {@code out} (ignored when not needed). */
    public void onBackward(Tensor out, Runnable step) {
        if (recording && out.requiresGrad()) {
            backwardSteps.add(step);
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
        }
        backwardSteps.clear();
    }
}
