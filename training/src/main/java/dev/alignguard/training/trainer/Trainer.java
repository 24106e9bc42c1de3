package dev.alignguard.training.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.BufferPool;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.optim.AdamW;
import dev.alignguard.training.optim.GradientClipping;
import dev.alignguard.training.optim.Schedule;

/**
 * The training loop shared by every stage and method: seeded batches, gradient accumulation,
 * global-norm clipping, AdamW with a schedule, a NaN/infinity guard and, when watched, a divergence
 * guard ({@link Divergence}), step hooks, per-step records and periodic checkpoints.
 *
 * <p>Every random choice is a pure function of (seed, step): the data order ({@link DataOrder})
 * and the LoRA dropout masks (re-seeded each step). So a run is reproduced by its config alone, and
 * resuming needs only the weights, the optimizer moments and the step.
 */
public final class Trainer {

    /** Called with each checkpointable state (after the step it names). */
    public interface Checkpointer {
        void save(int stepsDone, AdamW optimizer);
    }

    private final LlamaModel model;
    private final Kernels kernels;
    private final TrainingConfig config;
    private final Objective objective;
    private final DataOrder data;
    private final int padId;
    private final List<StepHook> hooks = new ArrayList<>();
    private Consumer<StepRecord> log = r -> {
    };
    private Checkpointer checkpointer;
    private int checkpointEvery;
    private Progress progress;
    private String stage;
    private Divergence divergence;
    private Divergence.Watch watch;
    private String resumedWatch;

    public Trainer(LlamaModel model, Kernels kernels, TrainingConfig config, Objective objective, DataOrder data, int padId) {
        this.model = model;
        this.kernels = kernels;
        this.config = config;
        this.objective = objective;
        this.data = data;
        this.padId = padId;
    }

    public Trainer addHook(StepHook hook) {
        hooks.add(hook);
        return this;
    }

    public Trainer onStep(Consumer<StepRecord> log) {
        this.log = log;
        return this;
    }

    public Trainer checkpointEvery(int steps, Checkpointer checkpointer) {
        this.checkpointEvery = steps;
        this.checkpointer = checkpointer;
        return this;
    }

    public Trainer progress(Progress progress) {
        this.progress = progress;
        return this;
    }

    /**
     * Names the stage in divergence messages and stops it when it diverges by {@code divergence}'s
     * bounds (see {@link Divergence}); without this only NaN and infinity stop a stage. Observes only.
     */
    public Trainer watch(String stage, Divergence divergence) {
        this.stage = stage;
        this.divergence = divergence;
        return this;
    }

    /** The divergence watch's state after the last step run (for a checkpoint), or "" when unwatched. */
    public String divergenceState() {
        return watch == null ? "" : watch.state();
    }

    /** Continues the divergence watch from a {@link #divergenceState()} saved with a checkpoint (before {@code run}). */
    public Trainer resumeDivergence(String state) {
        this.resumedWatch = state == null || state.isEmpty() ? null : state;
        return this;
    }

    /** The steps of the whole stage. */
    public int steps() {
        return config.steps();
    }

    /** A fresh optimizer over the model's trainable parameters. */
    public AdamW newOptimizer() {
        return new AdamW(model.trainableParameters(), config.optimizer());
    }

    /** Trains from step 0. */
    public AdamW run() {
        AdamW opt = newOptimizer();
        run(opt, 0);
        return opt;
    }

    /** Trains steps [fromStep, steps) with the given (possibly restored) optimizer. */
    public void run(AdamW opt, int fromStep) {
        run(opt, fromStep, config.steps());
    }

    /** Trains steps [fromStep, untilStep) of the configured run (the schedule spans the whole run). */
    public void run(AdamW opt, int fromStep, int untilStep) {
        List<Tensor> params = opt.parameters();
        Schedule schedule = config.scheduleFor();
        int accum = config.gradientAccumulation();
        watch = divergence == null ? null : divergence.watch(stage, config.steps());
        if (watch != null && resumedWatch != null) {
            watch.restore(resumedWatch);
        }
        if (watch != null) {
            watch.start(norm(params));
        }
        BufferPool buffers = BufferPool.create(); // activations and gradients, reused from step to step
        for (int step = fromStep; step < Math.min(untilStep, config.steps()); step++) {
            long t0 = System.nanoTime();
            model.reseedDropout(config.seed() * 31 + step);
            params.forEach(Tensor::zeroGrad);
            Map<String, Float> terms = new TreeMap<>();
            Map<String, Double> diagnostics = new TreeMap<>();
            long tokens = 0;
            double total = 0;
            for (int micro = 0; micro < accum; micro++) {
                Batch batch = Batch.of(data.microBatch((long) step * accum + micro, config.batchSize()), padId);
                tokens += (long) batch.batchSize() * batch.seqLen();
                try (Graph g = Graph.training(kernels, buffers)) { // step N + 1 reuses step N's buffers
                    Loss loss = objective.compute(g, batch, step);
                    requireFinite(step, "total loss", loss.total().item());
                    total += loss.total().item() / accum;
                    for (var e : loss.terms().entrySet()) {
                        requireFinite(step, e.getKey(), e.getValue());
                        terms.merge(e.getKey(), e.getValue() / accum, Float::sum);
                    }
                    loss.diagnostics().forEach((k, v) -> diagnostics.merge(k, v / accum, Double::sum));
                    // mean over micro-batches: scale the seed gradient by 1/accum
                    Tensor scaled = dev.alignguard.model.autodiff.MatrixOps.scale(g, loss.total(), 1f / accum);
                    g.backward(scaled);
                }
            }
            double norm = GradientClipping.clip(params, config.clipNorm());
            requireFinite(step, "gradient norm", norm);
            double lr = config.optimizer().learningRate() * schedule.factor(step);
            opt.step(lr);
            TrainingDivergedException diverged = null;
            if (watch != null) {
                try {
                    Float task = terms.get("task");
                    watch.observe(step, task != null ? task : total, norm, norm(params));
                } catch (TrainingDivergedException e) {
                    diverged = e; // thrown once the step is logged, so the log shows the values
                }
            }
            if (diverged == null) {
                for (StepHook h : hooks) {
                    h.afterStep(step);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            StepRecord record = new StepRecord(step, lr, terms, diagnostics, norm, tokens / seconds);
            log.accept(record);
            if (diverged != null) {
                throw diverged;
            }
            if (progress != null) {
                progress.update(step + 1, config.steps(), terms.getOrDefault("task", terms.values().stream().findFirst().orElse(0f)));
            }
            if (checkpointer != null && checkpointEvery > 0 && (step + 1) % checkpointEvery == 0) {
                checkpointer.save(step + 1, opt);
            }
        }
    }

    /** The L2 norm of the trained parameters, summed in a fixed order (reads them only). */
    private static double norm(List<Tensor> params) {
        double sum = 0;
        for (Tensor p : params) {
            for (float v : p.data()) {
                sum += (double) v * v;
            }
        }
        return Math.sqrt(sum);
    }

    private void requireFinite(int step, String term, double v) {
        if (!Double.isFinite(v)) {
            throw new TrainingDivergedException(stage, step, term, v);
        }
    }
}
