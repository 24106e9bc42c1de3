package dev.alignguard.training.fisher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.BufferPool;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.llama.SparseMoe;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.data.Sequence;

/**
 * Per-example gradients of the alignment loss with respect to the full weights of the targeted
 * layers, the raw material of every Fisher estimator.
 *
 * <pre>
 *   example i    : a Sequence (prompt -> refusal response)
 *   L_i          : mean masked cross-entropy over the response tokens, exactly the training loss
 *                  of Batch.of(List.of(s_i), padId) with NeuralOps.crossEntropy and its loss mask
 *   g_i          : vec(dL_i / dW), row-major (g_i[r * dIn + c] = dL_i / dW[r][c]), D = dOut * dIn
 *   a_{i,t}      : the layer input at position t (row t of x, length dIn), t = 0 .. T_i - 1
 *   delta_{i,t}  : dL_i / dy_t (row t of the layer output gradient, length dOut)
 *   identity     : dL_i / dW = sum_t delta_{i,t} a_{i,t}^T, i.e. g_i = sum_t delta_{i,t} (x) a_{i,t}
 * </pre>
 * T_i = |s_i| - 1 positions (a batch of one has no padding, so every position is real and the pad
 * id never reaches the model; it is still a parameter because {@link Batch#of} takes one).
 *
 * <p><b>Which weights.</b> The gradient is taken at the current <em>merged</em> weights
 * W_eff = W + dW: adapters that are attached but not merged are merged for the duration of the
 * computation and the base weights are then restored <em>bit for bit</em> from a copy (merge and
 * unmerge alone would leave float rounding behind). Merging also means LoRA dropout plays no part,
 * so the gradients are deterministic. Since y = x W_eff^T, dL/dW_eff is what autodiff puts into
 * W.grad once W requires a gradient.
 *
 * <p><b>Side effects, all undone.</b> For the duration of a call every model parameter's
 * requiresGrad flag is set to false except the targeted weights (adapters are not on the merged
 * forward path); the flags, any gradient already held by the targeted weights (e.g. a trainer's
 * accumulation), the merge state and the weights are restored afterwards, also on an exception.
 * Not thread-safe with respect to other users of the same model.
 *
 * <p>Cost: one forward and backward pass of a batch of one per example; memory for
 * {@link #compute} is N * sum(D) doubles (e.g. 256 examples x 8 layers of 128 x 128: 256 MiB).
 */
public final class PerExampleGradients {

    private PerExampleGradients() {
    }

    /**
     * One example's data at one layer, handed to a {@link Visitor}. The arrays are live buffers
     * reused after the call: copy what you keep.
     *
     * @param example         index i in the example list
     * @param tokens          T_i, the number of positions (rows of inputs and outputGradients)
     * @param gradient        g_i = dL_i/dW, float, dOut x dIn row-major
     * @param inputs          a_{i,t}, T_i x dIn row-major, or null when not captured
     * @param outputGradients delta_{i,t}, T_i x dOut row-major, or null when not captured
     * @param routed          for a projection of a mixture-of-experts expert ({@code ...experts.E.w1}),
     *                        whether any token of the example was routed to that expert (when not, the
     *                        gradient is zero: the expert did not run); true for every other layer
     */
    public record LayerExample(int example, String layer, int dOut, int dIn, int tokens, float[] gradient,
                               float[] inputs, float[] outputGradients, boolean routed) {
    }

    /** Receives every (example, layer) pair, examples in order, layers in the given order within an example. */
    @FunctionalInterface
    public interface Visitor {
        void visit(LayerExample e);
    }

    /** The per-example gradients of each layer, {@code G: double[N][D]} by layer path (in the given order). */
    public static Map<String, double[][]> compute(LlamaModel model, Kernels kernels, List<String> layers,
                                                  List<Sequence> examples, int padId) {
        Map<String, double[][]> out = new LinkedHashMap<>();
        for (String path : layers) {
            Linear l = model.linear(path);
            out.put(path, new double[examples.size()][l.outFeatures() * l.inFeatures()]);
        }
        forEach(model, kernels, layers, examples, padId, false, e -> {
            double[] gi = out.get(e.layer())[e.example()];
            float[] src = e.gradient();
            for (int k = 0; k < gi.length; k++) {
                gi[k] = src[k];
            }
        });
        return out;
    }

    /**
     * As {@link #compute}, but a mixture-of-experts expert's layers keep only the rows of the examples
     * routed to that expert (in example order), so that its Fisher is estimated from the examples the
     * expert actually served ({@code F_e = (1/N_e) sum_{i routed to e} g_i g_i^T}) rather than diluted by
     * the zero gradients of the others; other layers keep every row, exactly as {@link #compute}.
     */
    public static Map<String, double[][]> computeRouted(LlamaModel model, Kernels kernels, List<String> layers,
                                                        List<Sequence> examples, int padId) {
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        for (String path : layers) {
            rows.put(path, new ArrayList<>());
        }
        forEach(model, kernels, layers, examples, padId, false, e -> {
            if (e.routed()) {
                float[] src = e.gradient();
                double[] gi = new double[src.length];
                for (int k = 0; k < gi.length; k++) {
                    gi[k] = src[k];
                }
                rows.get(e.layer()).add(gi);
            }
        });
        Map<String, double[][]> out = new LinkedHashMap<>();
        rows.forEach((path, list) -> out.put(path, list.toArray(double[][]::new)));
        return out;
    }

    /** The loss L_i of one example as the trainer computes it (a batch of one, mean over response tokens). */
    public static Tensor exampleLoss(Graph g, LlamaModel model, Sequence example, int padId) {
        return batchLoss(g, model, Batch.of(List.of(example), padId));
    }

    /** The mean masked cross-entropy of a batch: {@code NeuralOps.crossEntropy} over the loss mask. */
    public static Tensor batchLoss(Graph g, LlamaModel model, Batch b) {
        Tensor logits = model.forward(g, b.tokens(), b.batchSize(), b.seqLen());
        return NeuralOps.crossEntropy(g, logits, b.targets(), b.lossMask());
    }

    /**
     * Runs every example through the model (a batch of one each) and hands each targeted layer's
     * per-example gradient to the visitor; with {@code captureTokens} also the per-token layer
     * inputs and output gradients (through {@link Linear.Capture}). See the class comment for what
     * is changed temporarily and restored.
     */
    public static void forEach(LlamaModel model, Kernels kernels, List<String> layers, List<Sequence> examples,
                               int padId, boolean captureTokens, Visitor visitor) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("no target layers given");
        }
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no alignment examples given");
        }
        List<Linear> targets = new ArrayList<>();
        for (String path : layers) {
            Linear l = model.linear(path);
            if (targets.contains(l)) {
                throw new IllegalArgumentException("layer " + path + " given twice");
            }
            targets.add(l);
        }
        try (ModelState state = ModelState.prepare(model, kernels, targets)) {
            Map<Linear, TokenBuffer> captured = new IdentityHashMap<>();
            if (captureTokens) {
                for (Linear l : targets) {
                    TokenBuffer buf = new TokenBuffer(l.inFeatures(), l.outFeatures());
                    captured.put(l, buf);
                    l.setCapture(buf);
                }
                state.capturesInstalled = targets;
            }
            Map<String, boolean[]> routedExperts = new HashMap<>();  // block path -> experts used by the current example
            for (SparseMoe block : model.sparseBlocks()) {
                state.observers.put(block, block.observer());
                block.setObserver((path, routing) -> {
                    boolean[] used = routedExperts.computeIfAbsent(path, p -> new boolean[routing.experts()]);
                    for (int expert : routing.chosen()) {
                        used[expert] = true;
                    }
                });
            }
            BufferPool buffers = BufferPool.create();
            for (int i = 0; i < examples.size(); i++) {
                routedExperts.clear();
                for (Linear l : targets) {
                    l.weight().zeroGrad();
                }
                captured.values().forEach(TokenBuffer::reset);
                try (Graph g = Graph.training(kernels, buffers)) { // examples of one length reuse the buffers
                    Tensor loss = exampleLoss(g, model, examples.get(i), padId);
                    if (loss.requiresGrad()) {
                        g.backward(loss);
                    } // else no targeted weight is on the example's path (experts it was not routed to): every g_i is 0
                }
                int tokens = examples.get(i).length() - 1;
                for (Linear l : targets) {
                    TokenBuffer buf = captured.get(l);
                    int expert = SparseMoe.expertOf(l.path());
                    boolean[] used = expert < 0 ? null : routedExperts.get(SparseMoe.blockOf(l.path()));
                    boolean routed = expert < 0 || (used != null && used[expert]);
                    visitor.visit(new LayerExample(i, l.path(), l.outFeatures(), l.inFeatures(), tokens,
                        l.weight().grad(), buf == null ? null : buf.inputs(tokens),
                        buf == null ? null : buf.outputGradients(tokens), routed));
                }
            }
        }
    }

    /** Records one forward/backward pass's rows of one layer (a batch of one: one call of each). */
    private static final class TokenBuffer implements Linear.Capture {
        private final int dIn;
        private final int dOut;
        private float[] x = new float[0];
        private float[] dy = new float[0];
        private int xRows = -1;
        private int dyRows = -1;

        TokenBuffer(int dIn, int dOut) {
            this.dIn = dIn;
            this.dOut = dOut;
        }

        void reset() {
            xRows = -1;
            dyRows = -1;
        }

        @Override
        public void input(Linear layer, float[] in, int rows) {
            if (xRows >= 0) {
                throw new IllegalStateException(layer.path() + " ran twice in one forward pass");
            }
            x = in.clone();
            xRows = rows;
        }

        @Override
        public void outputGradient(Linear layer, float[] g, int rows) {
            dy = g.clone();
            dyRows = rows;
        }

        float[] inputs(int tokens) {
            if (xRows != tokens) {
                throw new IllegalStateException("captured " + xRows + " input rows, expected " + tokens);
            }
            return x;
        }

        float[] outputGradients(int tokens) {
            if (dyRows < 0) {               // the loss did not reach this layer's output: delta = 0
                return new float[tokens * dOut];
            }
            if (dyRows != tokens) {
                throw new IllegalStateException("captured " + dyRows + " gradient rows, expected " + tokens);
            }
            return dy;
        }
    }

    /** What {@link #forEach} changes on the model, and its exact restoration. */
    private static final class ModelState implements AutoCloseable {
        private final LlamaModel model;
        private final Kernels kernels;
        private final Map<Tensor, Boolean> flags = new IdentityHashMap<>();
        private final Map<Tensor, Boolean> adapterFlags = new IdentityHashMap<>();
        private final Map<Linear, float[]> unmergedWeights = new HashMap<>();
        private final Map<Tensor, float[]> savedGrads = new IdentityHashMap<>();
        private final Map<SparseMoe, SparseMoe.Observer> observers = new IdentityHashMap<>();
        private final List<Linear> targets;
        List<Linear> capturesInstalled = List.of();

        private ModelState(LlamaModel model, Kernels kernels, List<Linear> targets) {
            this.model = model;
            this.kernels = kernels;
            this.targets = targets;
        }

        static ModelState prepare(LlamaModel model, Kernels kernels, List<Linear> targets) {
            ModelState s = new ModelState(model, kernels, targets);
            try {
                for (Tensor t : model.parameters().values()) {
                    s.flags.put(t, t.requiresGrad());
                }
                for (Linear l : model.linears()) {
                    if (l.adapter() != null) {
                        s.adapterFlags.put(l.adapter().a(), l.adapter().a().requiresGrad());
                        s.adapterFlags.put(l.adapter().b(), l.adapter().b().requiresGrad());
                        if (!l.merged()) {
                            s.unmergedWeights.put(l, l.weight().data().clone());
                        }
                    }
                }
                for (Linear l : targets) {
                    Tensor w = l.weight();
                    if (w.hasGrad()) {
                        s.savedGrads.put(w, w.grad().clone());
                    }
                }
                model.setBaseTrainable(false);
                s.adapterFlags.keySet().forEach(t -> t.setRequiresGrad(false));
                for (Linear l : s.unmergedWeights.keySet()) {
                    l.merge(s.kernels);
                }
                for (Linear l : targets) {
                    l.weight().setRequiresGrad(true);
                }
                return s;
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
        }

        @Override
        public void close() {
            observers.forEach(SparseMoe::setObserver);
            for (Linear l : capturesInstalled) {
                l.setCapture(null);
            }
            for (var e : unmergedWeights.entrySet()) {
                Linear l = e.getKey();
                l.unmerge(kernels);
                float[] w = l.weight().data();
                System.arraycopy(e.getValue(), 0, w, 0, w.length);   // bit-exact, unlike W + d - d
            }
            for (Linear l : targets) {
                Tensor w = l.weight();
                float[] saved = savedGrads.get(w);
                if (saved != null) {
                    System.arraycopy(saved, 0, w.grad(), 0, saved.length);
                } else {
                    w.zeroGrad();
                }
            }
            flags.forEach(Tensor::setRequiresGrad);
            adapterFlags.forEach(Tensor::setRequiresGrad);
        }
    }
}
