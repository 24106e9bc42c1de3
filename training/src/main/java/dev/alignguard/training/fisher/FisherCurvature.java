package dev.alignguard.training.fisher;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.ejml.data.DMatrixRMaj;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.objective.Curvature;

/**
 * Fisher curvatures used as penalty weights rather than as subspaces: EWC's diagonal alignment
 * Fisher, and the task Fisher of AlignGuard's stability term ({@code H}: diagonal or K-FAC). Each is
 * scaled so its largest entry over layers is 1, which makes a method's strength comparable across
 * models (the raw Fisher of a confident model is tiny).
 */
public final class FisherCurvature {

    private FisherCurvature() {
    }

    /**
     * The diagonal Fisher {@code (1/N) sum_i g_i^2} per layer ({@link DiagonalEstimator#diagonals}),
     * divided by its largest entry over all layers.
     */
    public static Map<String, Curvature> diagonal(LlamaModel model, Kernels kernels, List<String> layers,
                                                  List<Sequence> examples, int pad) {
        Map<String, double[]> diag = DiagonalEstimator.diagonals(model, kernels, layers, examples, pad);
        double max = 0;
        for (double[] d : diag.values()) {
            for (double v : d) {
                max = Math.max(max, v);
            }
        }
        Map<String, Curvature> out = new LinkedHashMap<>();
        for (var e : diag.entrySet()) {
            float[] h = new float[e.getValue().length];
            for (int k = 0; k < h.length; k++) {
                h[k] = (float) (max > 0 ? e.getValue()[k] / max : 0);
            }
            out.put(e.getKey(), new Curvature.Diagonal(h));
        }
        return out;
    }

    /** The K-FAC factors {@code S (x) A} of the examples' loss per layer, each divided by its largest diagonal entry. */
    public static Map<String, Curvature> kfac(LlamaModel model, Kernels kernels, List<String> layers,
                                              List<Sequence> examples, int pad) {
        Map<String, KfacFactors> factors = KfacEstimator.factors(model, kernels, layers, examples, pad);
        Map<String, Curvature> out = new LinkedHashMap<>();
        factors.forEach((layer, f) -> out.put(layer, new Curvature.Kfac(normalised(f.s()), normalised(f.a()))));
        return out;
    }

    private static Tensor normalised(DMatrixRMaj m) {
        double max = 0;
        for (int i = 0; i < m.numRows; i++) {
            max = Math.max(max, Math.abs(m.get(i, i)));
        }
        float[] v = new float[m.data.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (max > 0 ? m.data[i] / max : 0);
        }
        return Tensor.of(m.numRows, m.numCols, v);
    }
}
