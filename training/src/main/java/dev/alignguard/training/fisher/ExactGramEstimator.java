package dev.alignguard.training.fisher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.math.linalg.SymmetricEigen;
import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;

/**
 * The exact empirical Fisher of each layer through its N x N Gram matrix.
 * <pre>
 *   G = [g_1 .. g_N]           D x N   per-example gradients (PerExampleGradients)
 *   F = G G^T / N              D x D   never formed
 *   K = G^T G / N = V S V^T    N x N   dense symmetric eig (EJML, double)
 *   U = G V S^{-1/2} / sqrt(N) D x r   F U = U S, U^T U = I          (GramEigen)
 *   trace(F) = ||G||_F^2 / N           what an energy rule measures against
 * </pre>
 * For a mixture-of-experts expert's projection, G holds only the examples routed to that expert
 * (N_e of them, {@link PerExampleGradients#computeRouted}): the per-expert Fisher; an expert no example
 * reached gets an empty subspace. Exact, rank(F) <= N, cost O(N^2 D + N^3 + N D m), memory N D doubles per layer. Eigenvalues at
 * or below {@link GramEigen#DEFAULT_RELATIVE_THRESHOLD} times the largest are never kept (their
 * vectors are rounding noise); so a layer can keep fewer directions than the rule asks.
 * The kept directions go to a {@link BasisProjector}.
 */
public final class ExactGramEstimator extends LayerwiseEstimator<double[][]> {

    public static final String NAME = "exact";

    public ExactGramEstimator() {
        super(NAME);
    }

    @Override
    protected Map<String, double[][]> collect(LlamaModel model, Kernels kernels, List<String> layers, List<Sequence> examples) {
        return PerExampleGradients.computeRouted(model, kernels, layers, examples, FisherEstimators.PAD_ID);
    }

    @Override
    protected LayerEstimate estimateLayer(String path, Linear layer, double[][] data, SubspaceSettings settings,
                                          Kernels kernels) {
        if (data.length == 0) { // an expert no alignment example was routed to: no Fisher, nothing to protect
            int d = layer.outFeatures() * layer.inFeatures();
            return new LayerEstimate(path, layer.outFeatures(), layer.inFeatures(), BasisProjector.of(d, new double[0][]),
                new double[0][], new double[0], 0.0, true);
        }
        return layer(path, layer.outFeatures(), layer.inFeatures(), data, settings.rule(), kernels);
    }

    /** One layer from its per-example gradients {@code g: double[N][D]}, on the host. */
    public static LayerEstimate layer(String layer, int dOut, int dIn, double[][] g, SelectionRule rule) {
        return layer(layer, dOut, dIn, g, rule, ScalarKernels.INSTANCE);
    }

    /** As {@link #layer(String, int, int, double[][], SelectionRule)}, with the Gram matrices G^T G on {@code kernels}. */
    public static LayerEstimate layer(String layer, int dOut, int dIn, double[][] g, SelectionRule rule, Kernels kernels) {
        FisherEstimators.requireGradients(layer, dOut, dIn, g);
        // Lift only the kept vectors (O(N D m)): a rank rule knows m; an energy rule first reads it off
        // K's eigenvalues (one extra O(N^2 D) Gram matrix, cheaper than lifting all N vectors).
        int m;
        if (rule instanceof SelectionRule.Rank r) {
            m = r.m();
        } else {
            EigenPairs k = SymmetricEigen.all(GramEigen.gram(kernels, g));
            double top = k.count() == 0 ? 0 : k.value(0);
            int significant = 0;
            while (significant < k.count() && k.value(significant) > 0
                && k.value(significant) > GramEigen.DEFAULT_RELATIVE_THRESHOLD * top) {
                significant++;
            }
            m = rule.select(Arrays.copyOf(k.values(), significant), k.trace());
        }
        EigenPairs pairs = GramEigen.top(kernels, g, m, GramEigen.DEFAULT_RELATIVE_THRESHOLD);
        BasisProjector p = BasisProjector.fromEigenPairs(pairs, rule);
        return new LayerEstimate(layer, dOut, dIn, p, p.sharedBasis(), p.keptEigenvalues(), pairs.trace(), true);
    }
}
