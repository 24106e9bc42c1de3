package dev.alignguard.experiments.method;

import java.util.List;
import java.util.function.DoubleSupplier;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.trainer.StepHook;

/**
 * One trial's adaptive λA: measures the probe NLL at the start, then after every {@code every}-th
 * step (steps K-1, 2K-1, ...) measures it again and lets the {@link LambdaController} move λA.
 * The objective reads λA through {@link #getAsDouble()}; the trainer calls {@link #afterStep}.
 */
public final class AdaptiveLambda implements DoubleSupplier, StepHook {

    private static final int BATCH = 32;

    private final LambdaController controller;
    private final int every;
    private final LlamaModel model;
    private final Kernels kernels;
    private final List<Sequence> probe;
    private final int pad;
    private final double nllStart;
    private double nll;
    private double lambda;

    /**
     * @param start the starting λA (clamped to the controller's bounds)
     * @param probe the probe set (alignment examples the Fisher does not use)
     */
    public AdaptiveLambda(LambdaController controller, int every, double start, LlamaModel model, Kernels kernels,
        List<Sequence> probe, int pad) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        this.controller = controller;
        this.every = every;
        this.model = model;
        this.kernels = kernels;
        this.probe = List.copyOf(probe);
        this.pad = pad;
        this.lambda = controller.clamp(start);
        this.nllStart = nll(model, kernels, this.probe, pad);
        this.nll = nllStart;
    }

    /** The current λA. */
    @Override
    public double getAsDouble() {
        return lambda;
    }

    /** The probe NLL measured at the start (the aligned model: a fresh adapter changes nothing). */
    public double nllStart() {
        return nllStart;
    }

    /** The latest probe NLL measured. */
    public double nll() {
        return nll;
    }

    @Override
    public void afterStep(int step) {
        if ((step + 1) % every == 0) {
            nll = nll(model, kernels, probe, pad);
            lambda = controller.next(nllStart, nll, lambda);
        }
    }

    /**
     * Mean teacher-forced NLL per response token of the sequences (as {@code Evaluator.alignmentNll}),
     * on inference graphs, in fixed batches of 32 (so the value does not depend on threads).
     */
    public static double nll(LlamaModel model, Kernels kernels, List<Sequence> sequences, int pad) {
        double total = 0;
        long tokens = 0;
        for (int from = 0; from < sequences.size(); from += BATCH) {
            Batch b = Batch.of(sequences.subList(from, Math.min(sequences.size(), from + BATCH)), pad);
            Graph g = Graph.inference(kernels);
            Tensor logits = model.forward(g, b.tokens(), b.batchSize(), b.seqLen());
            Tensor loss = NeuralOps.crossEntropy(g, logits, b.targets(), b.lossMask());
            int n = b.lossTokens();
            total += (double) loss.item() * n;
            tokens += n;
        }
        return tokens == 0 ? Double.NaN : total / tokens;
    }
}
