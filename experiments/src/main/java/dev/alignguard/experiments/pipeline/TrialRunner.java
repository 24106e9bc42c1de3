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
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.eval.Evaluator;
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.results.CurvePoint;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.experiments.world.EvalSuite;
import dev.alignguard.experiments.world.FinetuneOptions;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.baselines.HardProjection;
import dev.alignguard.training.baselines.SafeLora;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.KfacFactors;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.PerExampleGradients;
import dev.alignguard.training.fisher.SubspaceSettings;
import dev.alignguard.training.objective.AlignGuardObjective;
import dev.alignguard.training.objective.AlignGuardSettings;
import dev.alignguard.training.objective.Curvature;
import dev.alignguard.training.objective.TaskObjective;
import dev.alignguard.training.objective.UpdatePenaltyObjective;
import dev.alignguard.training.trainer.Objective;
import dev.alignguard.training.trainer.StepRecord;
import dev.alignguard.training.trainer.Trainer;

/**
 * Runs one trial: copy the aligned model, attach LoRA, set the method up, fine-tune on the task
 * (evaluating a small fixed subset every few steps), evaluate on the held-out sets, and return the
 * record. Writes the per-step log as JSON lines. A pure function of the trial and its base models.
 */
public final class TrialRunner {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The record plus the final alignment-critical update per layer (for the subspace-stability analysis). */
    public record Outcome(TrialRecord record, Map<String, float[]> finalAlignmentUpdates) {
    }

    private final Kernels kernels;

    public TrialRunner(Kernels kernels) {
        this.kernels = kernels;
    }

    public Outcome run(Trial trial, BaseModels base, Path runDir) {
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

        List<Sequence> train = finetuneData(spec, data, tok);
        List<Sequence> alignment = data.alignmentSet().sequences(tok);
        SubspaceSettings fisherSettings = spec.fisher().toSettings(seed);

        AtomicReference<Map<String, LayerSubspace>> subspaces = new AtomicReference<>(Map.of());
        Objective objective = switch (method.kind()) {
            case "lora", "safe_lora" -> new TaskObjective(model);
            case "l2" -> UpdatePenaltyObjective.l2(model, trial.strength());
            case "ewc" -> new UpdatePenaltyObjective("ewc", model, trial.strength(),
                ewcCurvature(model, layers, FisherEstimators.examples(alignment, fisherSettings), pad));
            case "alignguard", "random_subspace", "hard_projection" -> {
                Map<String, LayerSubspace> s = estimate(model, layers, alignment, fisherSettings);
                subspaces.set(method.kind().equals("random_subspace") ? FisherEstimators.randomControl(s, seed + 7919) : s);
                if (method.kind().equals("hard_projection")) {
                    HardProjection.install(model, subspaces::get);
                    yield new TaskObjective(model);
                }
                yield new AlignGuardObjective(method.name(), model, alignGuardSettings(method, trial.strength()),
                    subspaces::get, taskCurvature(model, layers, method.param("stability", "identity"),
                        FisherEstimators.sample(train, Math.min(train.size(), spec.fisher().examples()), seed), pad));
            }
            default -> throw new IllegalArgumentException("unknown method kind " + method.kind());
        };

        Trainer trainer = new Trainer(model, kernels, spec.finetune().training().toConfig(seed), objective,
            new DataOrder(train, seed), pad);
        int reproject = spec.fisher().reprojectEvery();
        if (reproject > 0 && !subspaces.get().isEmpty()) {
            trainer.addHook(step -> {
                if ((step + 1) % reproject == 0) {
                    Map<String, LayerSubspace> fresh = estimate(model, layers, alignment, fisherSettings);
                    subspaces.set(method.kind().equals("random_subspace")
                        ? FisherEstimators.randomControl(fresh, seed + 7919 + step) : fresh);
                }
            });
        }
        Evaluator evaluator = new Evaluator(kernels, tok);
        EvalSuite curveSuite = curveSuite(data.evaluation(), spec.finetune().curveEvalSize());
        List<CurvePoint> curve = new ArrayList<>();
        int evalEvery = spec.finetune().evalEvery();
        float[] lastTaskLoss = {Float.NaN};
        Path log = runDir.resolve("logs").resolve(trial.id() + ".jsonl");
        try {
            Files.createDirectories(log.getParent());
            Path tmp = log.resolveSibling(log.getFileName() + ".tmp");
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                trainer.onStep(r -> {
                    lastTaskLoss[0] = r.terms().getOrDefault("task", Float.NaN);
                    writeLine(w, r);
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
            Files.move(tmp, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the trial log " + log + ": " + e.getMessage(), e);
        }
        if (method.kind().equals("safe_lora")) {
            SafeLora.apply(model, base.aligned(), base.unaligned(), Double.isNaN(trial.strength()) ? 0.5 : trial.strength());
        }
        Metrics m = evaluator.evaluate(model, data.evaluation());
        Map<String, Double> metrics = MetricNames.of(m, base.alignedMetrics());
        Map<String, float[]> finalUpdates = alignmentUpdates(model, subspaces.get());
        TrialRecord record = new TrialRecord(method.name(), method.kind(), trial.strength(), seed, metrics, curve,
            (System.nanoTime() - t0) / 1e9, runDir.relativize(log).toString(), null);
        return new Outcome(record, finalUpdates);
    }

    static AlignGuardSettings alignGuardSettings(MethodSpec method, double strength) {
        double lambdaA = Double.isNaN(strength) ? method.param("lambda_a", 0.1) : strength;
        return new AlignGuardSettings(lambdaA, method.param("lambda_t", 0.0), method.param("lambda_nc", 0.0),
            method.param("alpha", 0.5), method.param("beta", 1.0), method.param("tau", 0.01),
            AlignGuardSettings.Geodesic.parse(method.param("geodesic", "subspace")),
            (float) method.param("smoothing", 1e-4), 1e-12f);
    }

    private Map<String, LayerSubspace> estimate(LlamaModel model, List<String> layers, List<Sequence> alignment,
                                                SubspaceSettings settings) {
        return FisherEstimators.of(settings).estimate(model, kernels, layers, alignment, settings);
    }

    /** A diagonal Fisher per layer (EWC: of the alignment data; stability: of the task data), (1/N) sum_i g_i^2, divided by its largest entry over layers. */
    private Map<String, Curvature> ewcCurvature(LlamaModel model, List<String> layers, List<Sequence> examples, int pad) {
        Map<String, double[][]> grads = PerExampleGradients.compute(model, kernels, layers, examples, pad);
        Map<String, double[]> diag = new LinkedHashMap<>();
        double max = 0;
        for (var e : grads.entrySet()) {
            double[][] g = e.getValue();
            double[] d = new double[g[0].length];
            for (double[] gi : g) {
                for (int k = 0; k < d.length; k++) {
                    d[k] += gi[k] * gi[k] / g.length;
                }
            }
            for (double v : d) {
                max = Math.max(max, v);
            }
            diag.put(e.getKey(), d);
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

    /**
     * The stability term's H on the task data, at the aligned model: {@code identity}; {@code diagonal},
     * the diagonal task Fisher (1/N) sum_i g_i^2 from per-example task gradients (the batch-free
     * counterpart of an EMA of squared task gradients), divided by its largest entry over layers;
     * or {@code kfac}, the K-FAC factors S (x) A of the task loss, each divided by its largest diagonal entry.
     */
    private Map<String, Curvature> taskCurvature(LlamaModel model, List<String> layers, String kind,
                                                 List<Sequence> taskSample, int pad) {
        return switch (kind) {
            case "identity" -> Map.of();
            case "diagonal" -> ewcCurvature(model, layers, taskSample, pad);
            case "kfac" -> {
                Map<String, KfacFactors> factors = new LinkedHashMap<>();
                for (String layer : layers) {
                    factors.put(layer, new KfacFactors(model.linear(layer).outFeatures(), model.linear(layer).inFeatures()));
                }
                PerExampleGradients.forEach(model, kernels, layers, taskSample, pad, true, e -> factors.get(e.layer()).add(e));
                Map<String, Curvature> out = new LinkedHashMap<>();
                factors.forEach((layer, f) -> out.put(layer, new Curvature.Kfac(normalised(f.s()), normalised(f.a()))));
                yield out;
            }
            default -> throw new IllegalArgumentException("unknown stability curvature '" + kind
                + "'; expected identity, diagonal or kfac");
        };
    }

    private static dev.alignguard.model.autodiff.Tensor normalised(org.ejml.data.DMatrixRMaj m) {
        double max = 0;
        for (int i = 0; i < m.numRows; i++) {
            max = Math.max(max, Math.abs(m.get(i, i)));
        }
        float[] v = new float[m.data.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (max > 0 ? m.data[i] / max : 0);
        }
        return dev.alignguard.model.autodiff.Tensor.of(m.numRows, m.numCols, v);
    }

    private static List<Sequence> finetuneData(ExperimentSpec spec, StageData data, WordTokenizer tok) {
        FinetuneOptions options = new FinetuneOptions(spec.finetune().harmfulFraction(), spec.finetune().replayFraction());
        List<Sequence> all = data.finetune().apply(options).sequences(tok);
        int cap = spec.finetune().dataSize();
        if (cap > 0 && cap < all.size()) {
            return FisherEstimators.sample(all, cap, spec.baseSeed());
        }
        return all;
    }

    private static EvalSuite curveSuite(EvalSuite full, int size) {
        return new EvalSuite(head(full.unsafe(), size), head(full.safe(), size), head(full.taskTest(), size));
    }

    private static Dataset head(Dataset d, int n) {
        return n <= 0 || n >= d.size() ? d : new Dataset(d.name(), d.examples().subList(0, n));
    }

    private static CurvePoint curvePoint(int step, Evaluator evaluator, LlamaModel model, EvalSuite suite, float taskLoss) {
        Metrics m = evaluator.evaluate(model, suite);
        return new CurvePoint(step, m.refusalUnsafe(), m.taskAccuracy(), m.alignmentNll(), taskLoss);
    }

    private static Map<String, float[]> alignmentUpdates(LlamaModel model, Map<String, LayerSubspace> subspaces) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : subspaces.entrySet()) {
            float[] dw = model.linear(e.getKey()).effectiveDelta(dev.alignguard.model.autodiff.Graph.inference()).data();
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

    private static void writeLine(BufferedWriter w, StepRecord r) {
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
            throw new UncheckedIOException(e);
        }
    }
}
