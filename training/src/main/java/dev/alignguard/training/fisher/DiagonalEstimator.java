package dev.alignguard.training.fisher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.math.projection.MaskProjector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;

/**
 * The diagonal (EWC-style) Fisher: {@code f = diag F = (1/N) sum_i g_i o g_i}, accumulated example
 * by example (memory D per layer; the per-example gradients are never stored). With F ~ diag(f)
 * the eigenvectors are the coordinate axes e_k, so the "top-m subspace" is the set of the m largest
 * diagonal entries (ties: lower coordinate first), applied by a {@link MaskProjector}; trace = sum f.
 * Entries at or below {@link GramEigen#DEFAULT_RELATIVE_THRESHOLD} times the largest are never kept.
 * Basis rows are unit vectors e_k, eigenvalues the kept f_k.
 */
public final class DiagonalEstimator extends LayerwiseEstimator<double[]> {

    public static final String NAME = "diagonal";

    public DiagonalEstimator() {
        super(NAME);
    }

    @Override
    protected Map<String, double[]> collect(LlamaModel model, Kernels kernels, List<String> layers, List<Sequence> examples) {
        return diagonals(model, kernels, layers, examples, FisherEstimators.PAD_ID);
    }

    @Override
    protected LayerEstimate estimateLayer(String path, Linear layer, double[] data, SubspaceSettings settings,
                                          Kernels kernels) {
        return layer(path, layer.outFeatures(), layer.inFeatures(), data, settings.rule());
    }

    /** diag F = (1/N) sum_i g_i^2 of every layer. */
    public static Map<String, double[]> diagonals(LlamaModel model, Kernels kernels, List<String> layers,
                                                  List<Sequence> examples, int padId) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (String path : layers) {
            Linear l = model.linear(path);
            sums.put(path, new double[l.outFeatures() * l.inFeatures()]);
        }
        PerExampleGradients.forEach(model, kernels, layers, examples, padId, false, e -> {
            double[] s = sums.get(e.layer());
            float[] g = e.gradient();
            for (int k = 0; k < s.length; k++) {
                double v = g[k];
                s[k] += v * v;
            }
        });
        int n = examples.size();
        sums.values().forEach(s -> {
            for (int k = 0; k < s.length; k++) {
                s[k] /= n;
            }
        });
        return sums;
    }

    /** diag F = (1/N) sum_i g_i^2 from per-example gradients {@code g: double[N][D]}. */
    public static double[] diagonal(double[][] g) {
        double[] f = new double[g[0].length];
        for (double[] gi : g) {
            for (int k = 0; k < f.length; k++) {
                f[k] += gi[k] * gi[k];
            }
        }
        for (int k = 0; k < f.length; k++) {
            f[k] /= g.length;
        }
        return f;
    }

    /** One layer from its diagonal Fisher (length dOut * dIn, nonnegative). */
    public static LayerEstimate layer(String layer, int dOut, int dIn, double[] diagonal, SelectionRule rule) {
        if (diagonal.length != dOut * dIn) {
            throw new IllegalArgumentException(layer + ": diagonal of length " + diagonal.length + " for a "
                + dOut + " x " + dIn + " layer");
        }
        double trace = 0;
        for (double v : diagonal) {
            trace += v;
        }
        double[] desc = diagonal.clone();              // the values in descending order (indices not needed here)
        Arrays.sort(desc);
        for (int i = 0, j = desc.length - 1; i < j; i++, j--) {
            double t = desc[i];
            desc[i] = desc[j];
            desc[j] = t;
        }
        double top = desc.length == 0 ? 0 : desc[0];
        int significant = 0;
        while (significant < desc.length && desc[significant] > 0
            && desc[significant] > GramEigen.DEFAULT_RELATIVE_THRESHOLD * top) {
            significant++;
        }
        int m = Math.min(rule.select(desc, trace), significant);
        MaskProjector p = MaskProjector.fromDiagonal(diagonal, SelectionRule.rank(m));
        int[] coords = p.keptCoordinates();
        double[][] basis = new double[m][diagonal.length];
        for (int k = 0; k < m; k++) {
            basis[k][coords[k]] = 1;
        }
        return new LayerEstimate(layer, dOut, dIn, p, basis, p.keptEigenvalues(), trace, true);
    }
}
