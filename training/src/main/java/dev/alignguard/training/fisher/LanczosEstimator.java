package dev.alignguard.training.fisher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.math.linalg.GramOperator;
import dev.alignguard.math.linalg.Lanczos;
import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;

/**
 * Matrix-free top eigenpairs of each layer's empirical Fisher by Lanczos on Fisher-vector products
 * {@code F x = G (G^T x) / N} ({@link GramOperator}, O(N D) per product, F never formed).
 *
 * <p>How many pairs are computed: for a rank rule m, {@code min(m, N, D)} (rank F <= N). For an
 * energy rule the spectrum is not known in advance, so the run starts at 8 pairs and doubles
 * (up to min(N, D)) until the kept Ritz values reach the fraction of trace(F) = ||G||_F^2 / N,
 * which the operator knows exactly. Ritz values at or below
 * {@link GramEigen#DEFAULT_RELATIVE_THRESHOLD} times the largest are dropped, as in the exact
 * estimator (a rank-deficient Fisher has only noise directions there).
 *
 * <p>The start vector is seeded by {@link SubspaceSettings#seed()}. When the solver stops at its
 * Krylov limit before the residual tolerance is met, the best pairs are used, the estimate is
 * marked {@link LayerEstimate#converged() not converged} and a warning is logged.
 */
public final class LanczosEstimator extends LayerwiseEstimator<double[][]> {

    public static final String NAME = "lanczos";
    private static final System.Logger LOG = System.getLogger(LanczosEstimator.class.getName());

    private final Lanczos.Options options;

    /** Lanczos defaults (Krylov dimension min(D, 2m + 20), relative residual tolerance 1e-10). */
    public LanczosEstimator() {
        this(Lanczos.Options.defaults());
    }

    /** Given solver options; their seed is replaced by the settings' seed at each estimate. */
    public LanczosEstimator(Lanczos.Options options) {
        super(NAME);
        this.options = options;
    }

    @Override
    protected Map<String, double[][]> collect(LlamaModel model, Kernels kernels, List<String> layers, List<Sequence> examples) {
        return PerExampleGradients.compute(model, kernels, layers, examples, FisherEstimators.PAD_ID);
    }

    @Override
    protected LayerEstimate estimateLayer(String path, Linear layer, double[][] data, SubspaceSettings settings,
                                          Kernels kernels) {
        Lanczos.Options opts = options.withSeed(settings.seed());
        LayerEstimate e = layer(path, layer.outFeatures(), layer.inFeatures(), data, settings.rule(), opts, kernels);
        if (!e.converged()) {
            LOG.log(System.Logger.Level.WARNING, "Lanczos on " + path + " stopped at its Krylov limit before the"
                + " residual tolerance " + opts.tolerance() + "; using the best Ritz pairs");
        }
        return e;
    }

    /** One layer from its per-example gradients {@code g: double[N][D]}, its products on the host. */
    public static LayerEstimate layer(String layer, int dOut, int dIn, double[][] g, SelectionRule rule,
                                      Lanczos.Options options) {
        return layer(layer, dOut, dIn, g, rule, options, ScalarKernels.INSTANCE);
    }

    /**
     * As {@link #layer(String, int, int, double[][], SelectionRule, Lanczos.Options)}, with the
     * Fisher-vector products ({@link GramOperator}) on {@code kernels}: on the device for OpenCL.
     */
    public static LayerEstimate layer(String layer, int dOut, int dIn, double[][] g, SelectionRule rule,
                                      Lanczos.Options options, Kernels kernels) {
        FisherEstimators.requireGradients(layer, dOut, dIn, g);
        try (GramOperator op = new GramOperator(g, kernels)) { // G resident on the backend for this estimate
            return estimate(layer, dOut, dIn, op, rule, options);
        }
    }

    private static LayerEstimate estimate(String layer, int dOut, int dIn, GramOperator op, SelectionRule rule,
                                          Lanczos.Options options) {
        int maxRank = Math.min(op.examples(), op.dim());
        if (op.trace() == 0) {                       // G = 0: nothing to find
            return keep(layer, dOut, dIn, new EigenPairs(op.dim(), new double[0], new double[0][], 0), rule, true);
        }
        int m = rule instanceof SelectionRule.Rank r ? Math.min(r.m(), maxRank) : Math.min(8, maxRank);
        while (true) {
            Lanczos.Result res = Lanczos.top(op, m, options);
            EigenPairs pairs = significant(res.pairs());
            boolean exhausted = m == maxRank || pairs.count() < m;
            if (rule instanceof SelectionRule.Rank || exhausted
                || rule.select(pairs.values(), pairs.trace()) < pairs.count()) {
                return keep(layer, dOut, dIn, pairs, rule, res.converged());
            }
            m = Math.min(2 * m, maxRank);
        }
    }

    private static LayerEstimate keep(String layer, int dOut, int dIn, EigenPairs pairs, SelectionRule rule, boolean converged) {
        BasisProjector p = BasisProjector.fromEigenPairs(pairs, rule);
        return new LayerEstimate(layer, dOut, dIn, p, p.sharedBasis(), p.keptEigenvalues(), pairs.trace(), converged);
    }

    /** The leading pairs with lambda > threshold * lambda_0 (and > 0). */
    private static EigenPairs significant(EigenPairs pairs) {
        double top = pairs.count() == 0 ? 0 : pairs.value(0);
        int k = 0;
        while (k < pairs.count() && pairs.value(k) > 0 && pairs.value(k) > GramEigen.DEFAULT_RELATIVE_THRESHOLD * top) {
            k++;
        }
        return pairs.top(k);
    }
}
