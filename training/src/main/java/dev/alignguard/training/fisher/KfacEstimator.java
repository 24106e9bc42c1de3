package dev.alignguard.training.fisher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.math.linalg.SymmetricEigen;
import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;

/**
 * K-FAC: each layer's Fisher as a Kronecker product of two small factors,
 * {@code F ~ S (x) A} with {@code A = E[a a^T]} (dIn x dIn, per-token layer inputs) and
 * {@code S = E[delta delta^T]} (dOut x dOut, per-token output gradients); see {@link KfacFactors}
 * for the exact normalisation (A: mean over all T positions; S: sum over positions, mean over
 * the N examples, so trace(S) trace(A) estimates trace(F)).
 *
 * <pre>
 *   S = Q diag(sigma) Q^T,  A = P diag(alpha) P^T        two dense symmetric eigs (EJML, double)
 *   eigenpairs of S (x) A : (sigma_i alpha_j, q_i (x) p_j = vec(q_i p_j^T))   row-major vec
 * </pre>
 * The rule picks the top products; products at or below {@link GramEigen#DEFAULT_RELATIVE_THRESHOLD}
 * times the largest are never kept (no alignment signal there). The projector is a
 * {@link KroneckerProjector} (applied as {@code sum (q_i^T X p_j) q_i p_j^T}, never D x D); the
 * basis rows are the kept vec(q_i p_j^T). Cost O(T (dIn^2 + dOut^2) + dIn^3 + dOut^3 + m D);
 * memory O(dIn^2 + dOut^2) per layer: the per-example gradients are never stored.
 */
public final class KfacEstimator extends LayerwiseEstimator<KfacFactors> {

    public static final String NAME = "kfac";

    public KfacEstimator() {
        super(NAME);
    }

    @Override
    protected Map<String, KfacFactors> collect(LlamaModel model, Kernels kernels, List<String> layers, List<Sequence> examples) {
        for (String path : layers) {
            if (dev.alignguard.model.llama.SparseMoe.expertOf(path) >= 0) {
                throw new IllegalArgumentException("K-FAC does not support the expert layer " + path
                    + " (an expert sees only the tokens routed to it, not one row per position); use the exact estimator");
            }
        }
        return factors(model, kernels, layers, examples, FisherEstimators.PAD_ID);
    }

    @Override
    protected LayerEstimate estimateLayer(String path, Linear layer, KfacFactors data, SubspaceSettings settings,
                                          Kernels kernels) {
        return layer(path, data, settings.rule());
    }

    /** The accumulated factors of every layer (one forward/backward per example, rows captured). */
    public static Map<String, KfacFactors> factors(LlamaModel model, Kernels kernels, List<String> layers,
                                                   List<Sequence> examples, int padId) {
        Map<String, KfacFactors> factors = new LinkedHashMap<>();
        for (String path : layers) {
            Linear l = model.linear(path);
            factors.put(path, new KfacFactors(l.outFeatures(), l.inFeatures()));
        }
        PerExampleGradients.forEach(model, kernels, layers, examples, padId, true, e -> factors.get(e.layer()).add(e));
        return factors;
    }

    /** One layer from its factors. */
    public static LayerEstimate layer(String layer, KfacFactors factors, SelectionRule rule) {
        EigenPairs s = SymmetricEigen.all(factors.s());
        EigenPairs a = SymmetricEigen.all(factors.a());
        return layer(layer, s, a, rule);
    }

    /** One layer from the factors' eigenpairs (S: vectors of length dOut, A: length dIn). */
    public static LayerEstimate layer(String layer, EigenPairs s, EigenPairs a, SelectionRule rule) {
        int dOut = s.dim();
        int dIn = a.dim();
        double trace = Math.max(s.trace(), 0) * Math.max(a.trace(), 0);
        // the rule's count over all products, capped at the significant (clearly positive) ones
        double[] products = new double[s.count() * a.count()];
        for (int i = 0; i < s.count(); i++) {
            for (int j = 0; j < a.count(); j++) {
                products[i * a.count() + j] = Math.max(s.value(i), 0) * Math.max(a.value(j), 0);
            }
        }
        Arrays.sort(products);
        double[] desc = new double[products.length];
        for (int k = 0; k < desc.length; k++) {
            desc[k] = products[products.length - 1 - k];
        }
        double top = desc.length == 0 ? 0 : desc[0];
        int significant = 0;
        while (significant < desc.length && desc[significant] > 0
            && desc[significant] > GramEigen.DEFAULT_RELATIVE_THRESHOLD * top) {
            significant++;
        }
        int m = Math.min(rule.select(desc, trace), significant);
        KroneckerProjector p = KroneckerProjector.fromEigenPairs(s, a, SelectionRule.rank(m));
        double[][] basis = new double[m][];
        for (int k = 0; k < m; k++) {
            basis[k] = p.keptVector(k);
        }
        return new LayerEstimate(layer, dOut, dIn, p, basis, p.keptEigenvalues(), trace, true);
    }
}
