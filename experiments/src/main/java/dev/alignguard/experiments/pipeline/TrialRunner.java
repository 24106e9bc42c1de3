package dev.alignguard.experiments.pipeline;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.eval.Evaluator;
import dev.alignguard.experiments.eval.RouterMetrics;
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.results.CurvePoint;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.method.TrialContext;
import dev.alignguard.experiments.method.TrialPlan;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.experiments.world.EvalSuite;
import dev.alignguard.experiments.world.FinetuneOptions;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.SubspaceSettings;
import dev.alignguard.training.trainer.StepRecord;
import dev.alignguard.training.trainer.Trainer;

/**
 * Runs one trial: copy the aligned model, attach LoRA, set the method up, fine-tune on the task
 * (evaluating a small fixed subset every few steps), evaluate on the held-out sets, and return the
 * record. Writes the per-step log as JSON lines ({@code logs/<id>.jsonl}; a failed trial's as
 * {@code logs/<id>.failed.jsonl}, pointed to by its failure record). A pure function of the trial
 * and its base models.
 */
public final class TrialRunner {

    private static final ObjectMapper JSON = dev.alignguard.model.safetensors.JsonMappers.mapper();

    /** A failed trial's log: {@code logs/<id>.failed.jsonl}. */
    public static final String FAILED_LOG_SUFFIX = ".failed.jsonl";

    /**
     * The record plus the final alignment-critical update per layer (for the subspace-stability analysis)
     * and the trial's adapter in peft's form (null for a failed trial, or where it was not shipped back).
     */
    public record Outcome(TrialRecord record, Map<String, float[]> finalAlignmentUpdates, TrialAdapter adapter) {

        /** An outcome without an adapter. */
        public Outcome(TrialRecord record, Map<String, float[]> finalAlignmentUpdates) {
            this(record, finalAlignmentUpdates, null);
        }

        /** The same outcome without its adapter (once it is stored, the study needs only the rest). */
        public Outcome withoutAdapter() {
            return adapter == null ? this : new Outcome(record, finalAlignmentUpdates, null);
        }
    }

    private final Kernels kernels;

    public TrialRunner(Kernels kernels) {
        this.kernels = kernels;
    }

    /** The kernels every stage of this runner's trials runs on. */
    public Kernels kernels() {
        return kernels;
    }

    public Outcome run(Trial trial, BaseModels base, Path runDir) {
        if (trial.spec().sequence() != null) {
            return new SequentialTrialRunner(kernels).run(trial, base, runDir);
        }
        long t0 = System.nanoTime();
        ExperimentSpec spec = trial.spec();
        MethodSpec method = trial.method();
        StageData data = base.data();
        WordTokenizer tok = data.tokenizer();
        int pad = tok.specialId(WordTokenizer.PAD);
        long seed = trial.seed();

        LlamaModel model = base.aligned().copy();
        LoraConfig lora = spec.finetune().lora().toConfig();
        model.attachLora(lora, seed);
        List<String> layers = new ArrayList<>(model.adapters().keySet());

        List<Sequence> train = finetuneData(spec, data, tok, trial.baseSeed());
        List<Sequence> alignment = data.alignmentSet().sequences(tok);
        SubspaceSettings fisherSettings = spec.fisher().toSettings(seed);

        TrialContext context = new TrialContext(method.name(), model, base.aligned(), base.unaligned(), kernels, layers,
            train, alignment, fisherSettings, seed, pad);
        TrialPlan plan = method.method().plan(context, trial.strength());

        Trainer trainer = new Trainer(model, kernels, spec.finetune().training().toConfig(seed), plan.objective(),
            new DataOrder(train, seed), pad).watch("finetune", spec.finetune().training().toDivergence());
        int reproject = spec.fisher().reprojectEvery();
        List<Integer> reprojections = new ArrayList<>();
        if (reproject > 0 && context.tracksSubspaces()) {
            trainer.addHook(step -> {
                if ((step + 1) % reproject == 0) {
                    context.reproject(step);
                    reprojections.add(step);
                }
            });
        }
        trainer.addHook(plan.afterStep());
        Evaluator evaluator = new Evaluator(kernels, tok).withRefusalMarkers(spec.refusalMarkers());
        EvalSuite curveSuite = CurveSample.of(data.evaluation(), spec.finetune().curveEvalSize(), trial.baseSeed());
        Map<String, Double> lastStep = new java.util.LinkedHashMap<>();
        List<CurvePoint> curve = new ArrayList<>();
        int evalEvery = spec.finetune().evalEvery();
        float[] lastTaskLoss = {Float.NaN};
        Path log = runDir.resolve("logs").resolve(trial.id() + ".jsonl");
        Path tmp = log.resolveSibling(log.getFileName() + ".tmp");
        Path failedLog = log.resolveSibling(trial.id() + FAILED_LOG_SUFFIX);
        Metrics m;
        try {
            Files.createDirectories(log.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                trainer.onStep(r -> {
                    lastTaskLoss[0] = r.terms().getOrDefault("task", Float.NaN);
                    writeLine(w, r, tmp);
                    lastStep.clear();
                    r.terms().forEach((k, v) -> lastStep.put(k, (double) v));
                    lastStep.putAll(r.diagnostics());
                });
                if (evalEvery > 0) {
                    curve.add(curvePoint(0, evaluator, model, curveSuite, Float.NaN));
                    trainer.addHook(step -> {
                        if ((step + 1) % evalEvery == 0) {
                            curve.add(curvePoint(step + 1, evaluator, model, curveSuite, lastTaskLoss[0]));
                        }
                    });
                }
                trainer.run();
            }
            plan.afterTraining().run();
            m = evaluator.evaluate(model, data.evaluation());
            Files.deleteIfExists(failedLog); // an earlier failure of the same trial is superseded
            Files.move(tmp, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw keepLog(new UncheckedIOException("could not write the trial log " + log + ": " + e.getMessage(), e), tmp,
                failedLog, runDir);
        } catch (RuntimeException | Error e) {
            throw keepLog(e, tmp, failedLog, runDir);
        }
        Map<String, Double> metrics = MetricNames.of(m, base.alignedMetrics());
        if (model.config().isMoe()) { // the router's own drift on the unsafe test prompts (dense trials: none)
            metrics.putAll(RouterMetrics.of(base.aligned(), model, evaluator.promptIds(data.evaluation().unsafe()), kernels));
        }
        Map<String, Double> validation = MetricNames.of(evaluator.evaluate(model, data.validation()), null);
        Map<String, float[]> finalUpdates = alignmentUpdates(model, context.subspaces(), kernels);
        TrialRecord record = new TrialRecord(method.name(), method.kind(), trial.strength(), trial.baseSeed(), seed,
            metrics, validation, curve, (System.nanoTime() - t0) / 1e9, runDir.relativize(log).toString(), null,
            kernels.name(), Map.copyOf(lastStep), List.copyOf(reprojections));
        return new Outcome(record, finalUpdates, TrialAdapter.of(model, lora, kernels));
    }

    /**
     * Keeps a failed trial's log under its final failed name ({@code logs/<id>.failed.jsonl}) and returns
     * the failure with that name, so nothing is left behind as {@code .tmp}.
     */
    static TrialFailure keepLog(Throwable failure, Path tmp, Path failedLog, Path runDir) {
        String kept = null;
        try {
            if (Files.exists(tmp)) {
                Files.move(tmp, failedLog, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                kept = runDir.relativize(failedLog).toString();
            }
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the failure itself is what gets reported
            }
        }
        return new TrialFailure(failure, kept);
    }

    private static List<Sequence> finetuneData(ExperimentSpec spec, StageData data, WordTokenizer tok, long baseSeed) {
        FinetuneOptions options = new FinetuneOptions(spec.finetune().harmfulFraction(), spec.finetune().replayFraction());
        List<Sequence> all = data.finetune().apply(options).sequences(tok);
        int cap = spec.finetune().dataSize();
        if (cap > 0 && cap < all.size()) {
            return FisherEstimators.sample(all, cap, baseSeed);
        }
        return all;
    }

    private static CurvePoint curvePoint(int step, Evaluator evaluator, LlamaModel model, EvalSuite suite, float taskLoss) {
        Metrics m = evaluator.evaluate(model, suite);
        return new CurvePoint(step, m.refusalUnsafe(), m.taskAccuracy(), m.alignmentNll(), taskLoss);
    }

    private static Map<String, float[]> alignmentUpdates(LlamaModel model, Map<String, LayerSubspace> subspaces,
                                                         Kernels kernels) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : subspaces.entrySet()) {
            float[] dw = model.linear(e.getKey()).effectiveDelta(Graph.inference(kernels)).data();
            double[] x = new double[dw.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = dw[i];
            }
            double[] a = e.getValue().alignmentPart(x);
            float[] f = new float[a.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) a[i];
            }
            out.put(e.getKey(), f);
        }
        return out;
    }

    private static void writeLine(BufferedWriter w, StepRecord r, Path file) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", r.step());
        o.put("lr", r.learningRate());
        r.terms().forEach((k, v) -> o.put(k, v));
        r.diagnostics().forEach((k, v) -> o.put(k, v));
        o.put("grad_norm", r.gradNorm());
        o.put("tokens_per_second", Math.round(r.tokensPerSecond()));
        try {
            w.write(JSON.writeValueAsString(o));
            w.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the trial log " + file + ": " + e.getMessage(), e);
        }
    }
}
