package dev.alignguard.experiments.method;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.FisherCurvature;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.SubspaceSettings;
import dev.alignguard.training.objective.Curvature;

/**
 * What a method sees of one trial: the model it fine-tunes (the aligned model with LoRA attached),
 * the kernels the run chose, the base models, and the Fisher quantities it may ask for. Subspaces a
 * method asks for are tracked here, so the trial can re-estimate them every
 * {@code fisher.reproject_every} steps at the current merged model.
 */
public final class TrialContext {

    private final String methodName;
    private final LlamaModel model;
    private final LlamaModel fisherAt;
    private final LlamaModel aligned;
    private final LlamaModel unaligned;
    private final Kernels kernels;
    private final List<String> layers;
    private final List<Sequence> train;
    private final List<Sequence> alignment;
    private final SubspaceSettings fisher;
    private final long seed;
    private final int pad;
    private final AtomicReference<Map<String, LayerSubspace>> subspaces = new AtomicReference<>(Map.of());
    private SubspaceView view;

    /**
     * @param model     the aligned model with LoRA attached (the one trained)
     * @param layers    the adapted layers' module paths
     * @param train     the fine-tuning sequences
     * @param alignment the alignment set (harmful prompt -> refusal) the Fisher is estimated on
     * @param fisher    the spec's Fisher settings for this trial
     */
    public TrialContext(String methodName, LlamaModel model, LlamaModel aligned, LlamaModel unaligned, Kernels kernels,
        List<String> layers, List<Sequence> train, List<Sequence> alignment, SubspaceSettings fisher,
        long seed, int pad) {
        this(methodName, model, model, aligned, unaligned, kernels, layers, train, alignment, fisher, seed, pad);
    }

    /**
     * A context whose alignment Fisher quantities (subspaces, EWC's diagonal) are estimated at
     * {@code fisherAt} instead of the trained model: a sequential study keeps them fixed at the aligned
     * model ({@code fisherAt}: the aligned model with a fresh adapter on the same layers) while the
     * trained model has moved on.
     */
    public TrialContext(String methodName, LlamaModel model, LlamaModel fisherAt, LlamaModel aligned, LlamaModel unaligned,
        Kernels kernels, List<String> layers, List<Sequence> train, List<Sequence> alignment, SubspaceSettings fisher,
        long seed, int pad) {
        this.methodName = methodName;
        this.model = model;
        this.fisherAt = fisherAt;
        this.aligned = aligned;
        this.unaligned = unaligned;
        this.kernels = kernels;
        this.layers = List.copyOf(layers);
        this.train = train;
        this.alignment = alignment;
        this.fisher = fisher;
        this.seed = seed;
        this.pad = pad;
    }

    public String methodName() {
        return methodName;
    }

    public LlamaModel model() {
        return model;
    }

    public LlamaModel aligned() {
        return aligned;
    }

    public LlamaModel unaligned() {
        return unaligned;
    }

    public Kernels kernels() {
        return kernels;
    }

    public long seed() {
        return seed;
    }

    /**
     * Estimates the alignment subspaces now (the spec's estimator on the alignment set, at the
     * current merged model) and keeps them current: the supplier always returns the latest estimate
     * as the view shows it, re-estimated by {@link #reproject(int)}.
     */
    public Supplier<Map<String, LayerSubspace>> trackAlignmentSubspaces(SubspaceView view) {
        if (this.view != null) {
            throw new IllegalStateException("a trial tracks one set of alignment subspaces");
        }
        this.view = view;
        subspaces.set(view.apply(estimate(), seed, 0));
        return subspaces::get;
    }

    /** The tracked subspaces (empty when the method asked for none). */
    public Map<String, LayerSubspace> subspaces() {
        return subspaces.get();
    }

    /** Whether the method asked for alignment subspaces (and so re-projection applies). */
    public boolean tracksSubspaces() {
        return view != null;
    }

    /** Re-estimates the tracked subspaces at the current merged model (after {@code step}). */
    public void reproject(int step) {
        if (view != null) {
            subspaces.set(view.apply(estimate(), seed, step));
        }
    }

    /**
     * The adaptive method's probe set: up to {@code size} alignment examples (harmful prompt ->
     * refusal) that the Fisher estimates never use. The Fisher's examples are
     * {@link FisherEstimators#examples} of the alignment set (the same seeded sample at every
     * re-projection); the probe is a seeded sample of the rest, in data order. The evaluation prompts
     * come from other alignment pairs than the alignment set (World's eval split), so the probe is held
     * apart from both.
     *
     * @throws IllegalArgumentException when the Fisher uses every alignment example (raise
     *         {@code world.alignment_set_size} above {@code fisher.examples})
     */
    public List<Sequence> probeSet(int size) {
        List<Integer> indices = IntStream.range(0, alignment.size()).boxed().toList();
        Set<Integer> fisherIndices = new HashSet<>(FisherEstimators.examples(indices, fisher)); // the same draw as the Fisher's
        List<Sequence> rest = new ArrayList<>();
        for (int i = 0; i < alignment.size(); i++) {
            if (!fisherIndices.contains(i)) {
                rest.add(alignment.get(i));
            }
        }
        if (rest.isEmpty() || size < 1) {
            throw new IllegalArgumentException("the probe set needs alignment examples the Fisher does not use: the "
                + "alignment set has " + alignment.size() + " and fisher.examples takes " + fisherIndices.size()
                + " (probe_size " + size + ")");
        }
        return FisherEstimators.sample(rest, size, seed * 0x9E3779B97F4A7C15L + 17);
    }

    /** The Fisher's examples (the alignment examples every estimate of this trial uses). */
    public List<Sequence> fisherExamples() {
        return FisherEstimators.examples(alignment, fisher);
    }

    /** The padding id of the trial's tokenizer. */
    public int pad() {
        return pad;
    }

    /** EWC's weights: the diagonal Fisher of the alignment examples (at the Fisher's model), largest entry 1. */
    public Map<String, Curvature> alignmentDiagonal() {
        return FisherCurvature.diagonal(fisherAt, kernels, layers, FisherEstimators.examples(alignment, fisher), pad);
    }

    /** The stability term's H on a sample of the task data (as many examples as the Fisher uses). */
    public Map<String, Curvature> taskCurvature(AlignGuard.Stability kind) {
        List<Sequence> sample = FisherEstimators.sample(train, Math.min(train.size(), fisher.examples()), seed);
        return switch (kind) {
            case IDENTITY -> Map.of();
            case DIAGONAL -> FisherCurvature.diagonal(model, kernels, layers, sample, pad);
            case KFAC -> FisherCurvature.kfac(model, kernels, layers, sample, pad);
        };
    }

    private Map<String, LayerSubspace> estimate() {
        return FisherEstimators.of(fisher).estimate(fisherAt, kernels, layers, alignment, fisher);
    }
}
