package dev.alignguard.training.fisher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.projection.BasisProjector;

/**
 * Factory and shared rules of the Fisher estimators.
 *
 * <p><b>Examples.</b> {@link #examples}: when the alignment data holds more than
 * {@link SubspaceSettings#examples()} sequences, a seeded uniform sample without replacement of that
 * many (partial Fisher-Yates with {@code new Random(settings.seed())}), kept in data order; otherwise
 * all of them. A sample rather than the first N, so data sorted by topic does not bias the Fisher;
 * seeded, so a run is a pure function of its spec.
 *
 * <p><b>Normalisation</b> ({@link SubspaceSettings.Normalisation}), over all targeted layers together
 * so that their relative weights survive:
 * <pre>
 *   MAX_EIGENVALUE : scale = max over layers of the largest kept raw eigenvalue   (top direction weighs 1)
 *   TRACE          : scale = sum over layers of trace(F_layer)                    (eigenvalues become energy shares)
 *   NONE           : scale = 1
 *   eigenvalues[k] = raw lambda_k / scale,   LayerSubspace.rawScale = scale (the same for every layer)
 * </pre>
 * A scale that is 0 (nothing kept, an all-zero Fisher) is replaced by 1. The scale is logged at
 * INFO (System.Logger), since a well-aligned model's raw Fisher can be 1e-10 and smaller.
 *
 * <p><b>Soft projection</b> ({@link SubspaceSettings#softProjection()}): per layer
 * {@code c_k = lambda_k / lambda_1} (the layer's own largest kept eigenvalue; the same ratio raw or
 * normalised), in (0, 1] because only positive eigenvalues are kept. dW_A then keeps a share c_k of
 * each direction's coordinate, so weakly alignment-relevant directions are only partly protected.
 * Without soft projection every c_k is 1 (an exact orthogonal projector).
 */
public final class FisherEstimators {

    /**
     * The pad id the estimators pass to {@link PerExampleGradients}. Examples run one per batch, and a
     * batch of one is never padded, so this id never reaches the model; any valid id would do.
     */
    public static final int PAD_ID = 0;

    private static final System.Logger LOG = System.getLogger(FisherEstimators.class.getName());

    private FisherEstimators() {
    }

    /** The estimator of a settings' kind, with default solver options. */
    public static FisherEstimator of(SubspaceSettings.Estimator kind) {
        return switch (kind) {
            case EXACT -> new ExactGramEstimator();
            case LANCZOS -> new LanczosEstimator();
            case KFAC -> new KfacEstimator();
            case DIAGONAL -> new DiagonalEstimator();
        };
    }

    /** The estimator the settings name. */
    public static FisherEstimator of(SubspaceSettings settings) {
        return of(settings.estimator());
    }

    /** The examples an estimate uses: all when there are at most N, else a seeded sample of N in data order (class comment). */
    public static <T> List<T> examples(List<T> data, SubspaceSettings settings) {
        return sample(data, settings.examples(), settings.seed());
    }

    /** A seeded uniform sample of n items without replacement, in their original order (all items when n >= size). */
    public static <T> List<T> sample(List<T> data, int n, long seed) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("no alignment examples given");
        }
        if (n >= data.size()) {
            return List.copyOf(data);
        }
        int[] idx = new int[data.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {                       // partial Fisher-Yates
            int j = i + rnd.nextInt(idx.length - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] chosen = java.util.Arrays.copyOf(idx, n);
        java.util.Arrays.sort(chosen);
        List<T> out = new ArrayList<>(n);
        for (int i : chosen) {
            out.add(data.get(i));
        }
        return List.copyOf(out);
    }

    /** The scale raw eigenvalues are divided by (class comment). */
    public static double scale(List<LayerEstimate> raw, SubspaceSettings.Normalisation normalisation) {
        double s = switch (normalisation) {
            case MAX_EIGENVALUE -> raw.stream().mapToDouble(LayerEstimate::top).max().orElse(0);
            case TRACE -> raw.stream().mapToDouble(LayerEstimate::trace).sum();
            case NONE -> 1;
        };
        return s > 0 && Double.isFinite(s) ? s : 1;
    }

    /** Normalises, sets confidences and logs the raw scale: the last step of every estimator. */
    public static Map<String, LayerSubspace> finish(String estimator, List<LayerEstimate> raw, SubspaceSettings settings,
                                                    int examples) {
        Map<String, LayerSubspace> out = finish(raw, settings.normalisation(), settings.softProjection());
        if (LOG.isLoggable(System.Logger.Level.INFO)) {
            LOG.log(System.Logger.Level.INFO, summary(estimator, examples, settings.normalisation(), out));
        }
        return out;
    }

    /** Normalisation and confidences without logging. */
    public static Map<String, LayerSubspace> finish(List<LayerEstimate> raw, SubspaceSettings.Normalisation normalisation,
                                                    boolean softProjection) {
        double scale = scale(raw, normalisation);
        Map<String, LayerSubspace> out = new LinkedHashMap<>();
        for (LayerEstimate e : raw) {
            int m = e.rank();
            double[] values = new double[m];
            double[] confidences = new double[m];
            for (int k = 0; k < m; k++) {
                values[k] = e.eigenvalues()[k] / scale;
                confidences[k] = softProjection ? e.eigenvalues()[k] / e.eigenvalues()[0] : 1.0;
            }
            out.put(e.layer(), new LayerSubspace(e.layer(), e.dOut(), e.dIn(), e.projector(), e.basis(), values,
                confidences, scale, e.capturedEnergy()));
        }
        return out;
    }

    /** One line per estimate: estimator, N, raw scale, and per layer rank, top eigenvalue and captured energy. */
    public static String summary(String estimator, int examples, SubspaceSettings.Normalisation normalisation,
                                 Map<String, LayerSubspace> subspaces) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Fisher (%s, N=%d): raw scale %.4g (%s)",
            estimator, examples, subspaces.isEmpty() ? 1.0 : subspaces.values().iterator().next().rawScale(),
            normalisation.name().toLowerCase(Locale.ROOT)));
        for (LayerSubspace s : subspaces.values()) {
            sb.append(String.format(Locale.ROOT, "; %s: rank %d, top %.4g, captured %.3f", s.layer(), s.rank(),
                s.rank() == 0 ? 0.0 : s.eigenvalues()[0], s.capturedEnergy()));
        }
        return sb.toString();
    }

    /**
     * The random-subspace control: per layer the same rank, eigenvalues, confidences and raw scale,
     * but a uniformly random (Haar) orthonormal basis ({@link Orthonormalize#random}) with an exact
     * {@link BasisProjector}. Each layer draws from {@code new Random(seed * 0x9E3779B97F4A7C15L + layer.hashCode())},
     * so a layer's basis does not depend on which other layers are targeted. capturedEnergy still
     * describes the Fisher estimate, not the random basis.
     */
    public static Map<String, LayerSubspace> randomControl(Map<String, LayerSubspace> subspaces, long seed) {
        Map<String, LayerSubspace> out = new LinkedHashMap<>();
        for (LayerSubspace s : subspaces.values()) {
            Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + s.layer().hashCode());
            double[][] u = s.rank() == 0 ? new double[0][] : Orthonormalize.random(s.dim(), s.rank(), rnd);
            out.put(s.layer(), s.withBasis(BasisProjector.adopting(s.dim(), u), u));
        }
        return out;
    }

    /** Throws unless g is N >= 1 rows of length dOut * dIn. */
    static void requireGradients(String layer, int dOut, int dIn, double[][] g) {
        if (g == null || g.length == 0) {
            throw new IllegalArgumentException(layer + ": no per-example gradients");
        }
        for (double[] gi : g) {
            if (gi.length != dOut * dIn) {
                throw new IllegalArgumentException(layer + ": gradient of length " + gi.length + " for a "
                    + dOut + " x " + dIn + " layer");
            }
        }
    }
}
