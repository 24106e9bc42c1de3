package dev.alignguard.training.moe;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Routing;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.llama.SparseMoe;

/**
 * Where a mixture-of-experts model routes each token of a set of prompts, per sparse block: the
 * chosen experts and the router's probabilities, from one inference forward pass per prompt at the
 * model's current weights (attached adapters included).
 *
 * <pre>
 *   routings.get(p).get(b) : the Routing of prompt p at block b (tokens = |prompt p|, layers in order)
 * </pre>
 *
 * @param blocks   the block paths, in layer order
 * @param routings per prompt, per block
 */
public record RoutingProfile(List<String> blocks, List<List<Routing>> routings) {

    /** Routes every prompt (a batch of one each) and records each block's routing; the model's observers are restored. */
    public static RoutingProfile of(LlamaModel model, Kernels kernels, List<int[]> prompts) {
        List<SparseMoe> sparse = model.sparseBlocks();
        if (sparse.isEmpty()) {
            throw new IllegalArgumentException("a routing profile needs a mixture-of-experts model; this one is dense");
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts to route");
        }
        List<String> names = new ArrayList<>();
        Map<SparseMoe, SparseMoe.Observer> previous = new IdentityHashMap<>();
        for (SparseMoe b : sparse) {
            names.add(b.path());
            previous.put(b, b.observer());
        }
        List<List<Routing>> out = new ArrayList<>();
        Map<String, Routing> current = new LinkedHashMap<>();
        try {
            model.setRoutingObserver((path, routing) -> current.put(path, routing));
            for (int[] prompt : prompts) {
                current.clear();
                model.forward(Graph.inference(kernels), prompt, 1, prompt.length);
                List<Routing> perBlock = new ArrayList<>();
                for (String n : names) {
                    perBlock.add(current.get(n));
                }
                out.add(List.copyOf(perBlock));
            }
        } finally {
            previous.forEach(SparseMoe::setObserver);
        }
        return new RoutingProfile(List.copyOf(names), List.copyOf(out));
    }

    /** The share of routing slots each expert received at block b (sums to one over the experts). */
    public double[] load(int block) {
        int e = routings.get(0).get(block).experts();
        double[] load = new double[e];
        long slots = 0;
        for (List<Routing> p : routings) {
            for (int c : p.get(block).chosen()) {
                load[c]++;
                slots++;
            }
        }
        for (int j = 0; j < e; j++) {
            load[j] /= slots;
        }
        return load;
    }
}
