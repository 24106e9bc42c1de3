package dev.alignguard.model.llama;

import java.util.ArrayList;
import java.util.List;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MoeOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Routing;
import dev.alignguard.model.autodiff.Tensor;

/**
 * A sparse mixture-of-experts feed-forward block with the semantics and names of Hugging Face's
 * {@code MixtralSparseMoeBlock} at {@code model.layers.N.block_sparse_moe}:
 * <pre>
 *   x: N x C
 *   logits = gate(x)                                   N x E    gate.weight: E x C
 *   routing = top-k of softmax(logits), renormalised   (MoeOps.route)
 *   expert e on its rows x_e:  w2(silu(w1 x_e) * w3 x_e)   experts.e.w1/w3: F x C, w2: C x F
 *   y[t] = sum over t's chosen experts (ascending) of w[t, s] * expert output       N x C
 * </pre>
 * An expert no token chose is not run at all, so it gets no gradient (and a LoRA adapter on it
 * none either). The router and every expert projection are {@link Linear}s, so LoRA, merging and
 * captures work on them as on any other projection (peft names: {@code gate}, {@code w1}, {@code w2}, {@code w3}).
 */
public final class SparseMoe {

    /** One SwiGLU expert ({@code MixtralBlockSparseTop2MLP}). */
    public record Expert(Linear w1, Linear w2, Linear w3) {

        /** {@code w2(silu(w1 x) * w3 x)}. */
        public Tensor forward(Graph g, Tensor x) {
            return w2.forward(g, NeuralOps.swiglu(g, w1.forward(g, x), w3.forward(g, x)));
        }
    }

    /** Observes each forward's routing (for metrics: which experts the tokens of a prompt use). */
    @FunctionalInterface
    public interface Observer {
        void routed(String block, Routing routing);
    }

    private final String path;
    private final Linear gate;
    private final List<Expert> experts;
    private final int perToken;
    private Observer observer;

    SparseMoe(String path, Linear gate, List<Expert> experts, int perToken) {
        this.path = path;
        this.gate = gate;
        this.experts = List.copyOf(experts);
        this.perToken = perToken;
    }

    /**
     * A block over given weights (for tests and tools that build one outside a model): the router
     * {@code gate} (E x C) and per expert {@code {w1 (F x C), w2 (C x F), w3 (F x C)}}, at module
     * path {@code path}; the tensors are used, not copied.
     */
    public static SparseMoe of(String path, Tensor gate, List<Tensor[]> experts, int perToken) {
        if (experts.size() != gate.rows() || perToken < 1 || perToken > experts.size()) {
            throw new IllegalArgumentException(path + ": a router of " + gate.rows() + " experts with " + experts.size()
                + " experts given, top-" + perToken);
        }
        List<Expert> list = new ArrayList<>();
        for (int e = 0; e < experts.size(); e++) {
            Tensor[] w = experts.get(e);
            String p = path + ".experts." + e + ".";
            if (w.length != 3 || w[0].cols() != gate.cols() || w[2].cols() != gate.cols() || w[1].rows() != gate.cols()
                || w[1].cols() != w[0].rows() || w[2].rows() != w[0].rows()) {
                throw new IllegalArgumentException(p + ": expects w1 (F x C), w2 (C x F), w3 (F x C) with C = " + gate.cols());
            }
            list.add(new Expert(new Linear(p + "w1", w[0]), new Linear(p + "w2", w[1]), new Linear(p + "w3", w[2])));
        }
        return new SparseMoe(path, new Linear(path + ".gate", gate), list, perToken);
    }

    /** The module path, {@code model.layers.N.block_sparse_moe}. */
    public String path() {
        return path;
    }

    /** The router, E x C. */
    public Linear gate() {
        return gate;
    }

    public List<Expert> experts() {
        return experts;
    }

    public int perToken() {
        return perToken;
    }

    /** Installs (or with null removes) a routing observer. */
    public void setObserver(Observer observer) {
        this.observer = observer;
    }

    /** The installed routing observer, or null. */
    public Observer observer() {
        return observer;
    }

    /** The expert a module path belongs to ({@code ...block_sparse_moe.experts.E.w1} gives E), or -1 for any other path. */
    public static int expertOf(String modulePath) {
        int at = modulePath.lastIndexOf(".experts.");
        if (at < 0 || !modulePath.substring(0, at).endsWith(".block_sparse_moe")) {
            return -1;
        }
        String rest = modulePath.substring(at + ".experts.".length());
        int dot = rest.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The block path of an expert's module path ({@code model.layers.N.block_sparse_moe}), or null for any other path. */
    public static String blockOf(String modulePath) {
        return expertOf(modulePath) < 0 ? null : modulePath.substring(0, modulePath.lastIndexOf(".experts."));
    }

    /** The block's output and its router logits (for the load-balancing loss). */
    public record Output(Tensor hidden, Tensor routerLogits, Routing routing) {
    }

    public Output forward(Graph g, Tensor x) {
        Tensor logits = gate.forward(g, x);                          // [N x E]
        Routing routing = MoeOps.route(g, logits, perToken);
        if (observer != null) {
            observer.routed(path, routing);
        }
        List<Tensor> outputs = new ArrayList<>(experts.size());
        for (int e = 0; e < experts.size(); e++) {
            int[] rows = routing.tokensOf(e);
            outputs.add(rows.length == 0 ? null : experts.get(e).forward(g, MoeOps.gatherRows(g, x, rows)));
        }
        return new Output(MoeOps.combine(g, routing, outputs, x.cols()), logits, routing);
    }

    List<Linear> linears() {
        List<Linear> all = new ArrayList<>();
        all.add(gate);
        for (Expert e : experts) {
            all.add(e.w1());
            all.add(e.w2());
            all.add(e.w3());
        }
        return all;
    }
}
