package dev.alignguard.model.llama;

import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.lora.DeltaTransform;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraLinear;

/**
 * A bias-free linear layer {@code y = x W^T} (W: out x in) at a module path such as
 * {@code model.layers.0.self_attn.q_proj}, optionally carrying a LoRA adapter:
 * {@code y = x W^T + s x A^T B^T}, or, once merged, {@code y = x (W + s B A)^T}.
 */
public final class Linear {

    private final String path;
    private final Tensor weight; // [out x in]
    private LoraAdapter adapter;
    private boolean merged;
    private float loraDropout;
    private Random dropoutRandom;
    private DeltaTransform deltaTransform;
    private Capture capture;

    Linear(String path, Tensor weight) {
        this.path = path;
        this.weight = weight;
    }

    public String path() {
        return path;
    }

    public Tensor weight() {
        return weight;
    }

    public int outFeatures() {
        return weight.rows();
    }

    public int inFeatures() {
        return weight.cols();
    }

    public LoraAdapter adapter() {
        return adapter;
    }

    public boolean merged() {
        return merged;
    }

    /** Attaches (or with null, removes) an adapter. */
    public void setAdapter(LoraAdapter adapter, float dropout, Random dropoutRandom) {
        if (merged) {
            throw new IllegalStateException(path + ": unmerge before replacing the adapter");
        }
        if (adapter != null && (adapter.a().cols() != inFeatures() || adapter.b().rows() != outFeatures())) {
            throw new IllegalArgumentException(path + ": adapter A " + adapter.a().shape() + ", B " + adapter.b().shape()
                + " does not fit weight " + weight.shape());
        }
        this.adapter = adapter;
        this.loraDropout = dropout;
        this.dropoutRandom = dropoutRandom;
    }

    /**
     * Routes the adapter's update through a transform (null removes it). With a transform the
     * layer computes the dense update {@code T(s B A)} (out x in) each forward instead of the
     * low-rank path, which costs one out x in product per call.
     */
    public void setDeltaTransform(DeltaTransform transform) {
        if (merged) {
            throw new IllegalStateException(path + ": unmerge before changing the update transform");
        }
        this.deltaTransform = transform;
    }

    public DeltaTransform deltaTransform() {
        return deltaTransform;
    }

    /** The update this layer adds to W: {@code T(s B A)} with its transform, else {@code s B A}. */
    public Tensor effectiveDelta(Graph g) {
        Tensor delta = adapter.deltaWeight(g);
        return deltaTransform == null ? delta : deltaTransform.apply(g, delta);
    }

    /** Replaces the dropout generator (the trainer re-seeds it every step for reproducibility). */
    void reseedDropout(Random random) {
        this.dropoutRandom = random;
    }

    /**
     * Observes the rows that pass through a layer, for curvature estimators (K-FAC needs the
     * per-token input {@code a} and output gradient {@code delta}; {@code dL/dW = delta^T a} summed
     * over rows). Both callbacks receive live buffers: read them during the call, copy what you keep,
     * never write. Installed with {@link #setCapture}; with none installed the forward is unchanged.
     */
    public interface Capture {

        /** At forward time: the layer input x, {@code rows x in} row-major. */
        void input(Linear layer, float[] x, int rows);

        /**
         * At backward time: {@code dL/dy} for the layer's whole output y ({@code rows x out}, base
         * plus adapter path), called only when the graph records and y needs a gradient.
         */
        void outputGradient(Linear layer, float[] dy, int rows);
    }

    /** Installs (or with null, removes) a {@link Capture}; the caller removes it when done. */
    public void setCapture(Capture capture) {
        this.capture = capture;
    }

    /** The installed capture, or null. */
    public Capture capture() {
        return capture;
    }

    public Tensor forward(Graph g, Tensor x) {
        Capture c = capture;
        if (c == null) {
            return forwardUncaptured(g, x);
        }
        c.input(this, x.data(), x.rows());
        Tensor y = forwardUncaptured(g, x);
        int rows = y.rows();
        return MatrixOps.tap(g, y, dy -> c.outputGradient(this, dy, rows));
    }

    private Tensor forwardUncaptured(Graph g, Tensor x) {
        if (adapter == null || merged) {
            return MatrixOps.linear(g, x, weight);
        }
        boolean dropout = loraDropout > 0 && g.recording();
        if (!dropout && deltaTransform == null) { // one op, the same bits as the composition below (LoraLinear)
            return LoraLinear.forward(g, x, weight, adapter.a(), adapter.b(), adapter.scaling());
        }
        Tensor y = MatrixOps.linear(g, x, weight);
        Tensor in = dropout ? NeuralOps.dropout(g, x, loraDropout, dropoutRandom) : x;
        if (deltaTransform != null) {
            return MatrixOps.add(g, y, MatrixOps.linear(g, in, effectiveDelta(g)));
        }
        return MatrixOps.add(g, y, adapter.forward(g, in));
    }

    /** {@code W += s B A}; the forward is then a single product. */
    public void merge(Kernels kernels) {
        if (adapter == null || merged) {
            return;
        }
        addDelta(kernels, 1f);
        merged = true;
    }

    /** {@code W -= s B A} (equal to the original weight up to float rounding). */
    public void unmerge(Kernels kernels) {
        if (adapter == null || !merged) {
            return;
        }
        addDelta(kernels, -1f);
        merged = false;
    }

    private void addDelta(Kernels kernels, float sign) {
        float[] delta = effectiveDelta(Graph.inference(kernels)).data();
        float[] w = weight.data();
        for (int i = 0; i < w.length; i++) {
            w[i] += sign * delta[i];
        }
    }
}
