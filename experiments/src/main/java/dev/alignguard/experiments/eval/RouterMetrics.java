package dev.alignguard.experiments.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.moe.RouterDrift;
import dev.alignguard.training.moe.RoutingProfile;

/**
 * The router's own drift in a mixture-of-experts trial: how fine-tuning changed where the unsafe
 * evaluation prompts are routed, aligned model vs fine-tuned model ({@link RouterDrift}), as flat
 * trial metrics (fractions in [0, 1]). Dense models have none.
 */
public final class RouterMetrics {

    /** Share of (prompt, layer, token) whose set of chosen experts changed. */
    public static final String CHANGED_SETS = "router_changed_sets";
    /** Share of (prompt, layer, token) whose first-choice expert changed. */
    public static final String CHANGED_TOP = "router_changed_top";
    /** Mean total-variation distance of the router's probabilities. */
    public static final String PROBABILITY_TV = "router_probability_tv";
    /** Mean over layers of the total-variation distance of the expert loads. */
    public static final String LOAD_TV = "router_load_tv";

    /** The four names, in the order {@link #of} writes them. */
    public static final List<String> NAMES = List.of(CHANGED_SETS, CHANGED_TOP, PROBABILITY_TV, LOAD_TV);

    private RouterMetrics() {
    }

    /** The four router-drift metrics of the unsafe prompts, or an empty map for a dense model or no prompts. */
    public static Map<String, Double> of(LlamaModel aligned, LlamaModel finetuned, int[][] unsafePrompts, Kernels kernels) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (!finetuned.config().isMoe() || unsafePrompts.length == 0) {
            return out;
        }
        List<int[]> prompts = Arrays.asList(unsafePrompts);
        RouterDrift d = RouterDrift.between(RoutingProfile.of(aligned, kernels, prompts), RoutingProfile.of(finetuned, kernels, prompts));
        out.put(CHANGED_SETS, d.changedSets());
        out.put(CHANGED_TOP, d.changedTop());
        out.put(PROBABILITY_TV, d.probabilityTv());
        out.put(LOAD_TV, d.loadTv());
        return out;
    }
}
