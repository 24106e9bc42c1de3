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

import dev.alignguard.experiments.eval.Evaluator;
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.method.TrialContext;
import dev.alignguard.experiments.method.TrialPlan;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.StageMetrics;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.experiments.spec.SequenceSpec;
import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.experiments.world.EvalSuite;
import dev.alignguard.experiments.world.FinetuneOptions;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.SubspaceSettings;
import dev.alignguard.training.trainer.Trainer;

/**
 * One trial of a sequential study ({@link SequenceSpec}): from the aligned model, the method
 * fine-tunes task 1, then task 2, ..., each task for {@code finetune.training.steps} steps with the
 * method's objective set up afresh on that task's data (a new optimizer state per task). Between tasks
 * the adapter is merged and a fresh one attached ({@code merge}, {@link AdapterHandover}) or kept
 * ({@code continue}); the Fisher quantities are estimated at the aligned model ({@code fixed}) or at
 * the model as the previous tasks left it ({@code reestimate}). After the aligned model (stage 0) and
 * after every task it measures refusal, drift, over-refusal, alignment NLL and every task's test
 * accuracy (earlier, current and later tasks), named by {@link StageMetrics}. A pure function of the
 * trial and its base models, like {@link TrialRunner}.
 */
final class SequentialTrialRunner {

    private static final ObjectMapper JSON = dev.alignguard.model.safetensors.JsonMappers.mapper();

    private final Kernels kernels;

    SequentialTrialRunner(Kernels kernels) {
        this.kernels = kernels;
    }

    /** The seed of task k's adapter, data order and dropout: the trial's seed for task 1, then 1000 apart. */
    static long taskSeed(long seed, int task) {
        return seed + 1000L * (task - 1);
    }

    TrialRunner.Outcome run(Trial trial, BaseModels base, Path runDir) {
        long t0 = System.nanoTime();
        ExperimentSpec spec = trial.spec();
        SequenceSpec sequence = spec.sequence();
        MethodSpec method = trial.method();
        StageData data = base.data();
        WordTokenizer tok = data.tokenizer();
        int pad = tok.specialId(WordTokenizer.PAD);
        long seed = trial.seed();
        List<SequenceTasks.Task> tasks = SequenceTasks.of(base.world(), sequence.tasks());
        LoraConfig lora = spec.finetune().lora().toConfig();
        List<Sequence> alignment = data.alignmentSet().sequences(tok);
        SubspaceSettings fisherSettings = spec.fisher().toSettings(seed);
        FinetuneOptions options = new FinetuneOptions(spec.finetune().harmfulFraction(), spec.finetune().replayFraction());
        Evaluator evaluator = new Evaluator(kernels, tok).withRefusalMarkers(spec.refusalMarkers());

        LlamaModel model = base.aligned().copy();
        model.attachLora(lora, taskSeed(seed, 1));
        List<String> layers = new ArrayList<>(model.adapters().keySet());
        LlamaModel alignedWithAdapter = null;
        if (sequence.fisher() == SequenceSpec.FisherMode.FIXED) {
            alignedWithAdapter = base.aligned().copy(); // B = 0: the aligned model's function, on the same layers
            alignedWithAdapter.attachLora(lora, taskSeed(seed, 1));
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        StageMetrics.record(metrics, 0, MetricNames.of(base.alignedMetrics(), base.alignedMetrics()),
            taskAccuracies(evaluator, base.aligned(), tasks));
        Map<String, Double> lastStep = new LinkedHashMap<>();
        Path log = runDir.resolve("logs").resolve(trial.id() + ".jsonl");
        Path tmp = log.resolveSibling(log.getFileName() + ".tmp");
        Path failedLog = log.resolveSibling(trial.id() + TrialRunner.FAILED_LOG_SUFFIX);
        try {
            Files.createDirectories(log.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (SequenceTasks.Task task : tasks) {
                    int k = task.number();
                    long taskSeed = taskSeed(seed, k);
                    if (k > 1 && sequence.adapter() == SequenceSpec.Adapter.MERGE) {
                        model = AdapterHandover.mergeAndRenew(model, kernels, lora, taskSeed);
                    }
                    List<Sequence> train = finetuneData(spec, base, task, options, tok, trial.baseSeed());
                    LlamaModel fisherAt = alignedWithAdapter != null ? alignedWithAdapter : model;
                    TrialContext context = new TrialContext(method.name(), model, fisherAt, base.aligned(), base.unaligned(),
                        kernels, layers, train, alignment, fisherSettings, seed, pad);
                    TrialPlan plan = method.method().plan(context, trial.strength());
                    Trainer trainer = new Trainer(model, kernels, spec.finetune().training().toConfig(taskSeed), plan.objective(),
                        new DataOrder(train, taskSeed), pad).watch("finetune task " + k, spec.finetune().training().toDivergence());
                    trainer.addHook(plan.afterStep());
                    trainer.onStep(r -> {
                        writeLine(w, k, r, tmp);
                        lastStep.clear();
                        r.terms().forEach((name, v) -> lastStep.put(name, (double) v));
                        lastStep.putAll(r.diagnostics());
                    });
                    trainer.run();
                    plan.afterTraining().run();
                    Metrics m = evaluator.evaluate(model, data.evaluation());
                    StageMetrics.record(metrics, k, MetricNames.of(m, base.alignedMetrics()), taskAccuracies(evaluator, model, tasks));
                }
            }
            Files.deleteIfExists(failedLog);
            Files.move(tmp, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw TrialRunner.keepLog(new UncheckedIOException("could not write the trial log " + log + ": " + e.getMessage(), e),
                tmp, failedLog, runDir);
        } catch (RuntimeException | Error e) {
            throw TrialRunner.keepLog(e, tmp, failedLog, runDir);
        }
        int last = tasks.size();
        for (String name : new ArrayList<>(metrics.keySet())) { // the plain names: the final state
            String prefix = StageMetrics.at(last, "");
            if (name.startsWith(prefix)) {
                metrics.put(name.substring(prefix.length()), metrics.get(name));
            }
        }
        // the task just trained: what the generic single-task sections (flags, interpretation) compare
        metrics.put(MetricNames.TASK_ACCURACY, metrics.get(StageMetrics.at(last, StageMetrics.taskAccuracy(last))));
        TrialRecord record = new TrialRecord(method.name(), method.kind(), trial.strength(), trial.baseSeed(), seed, metrics,
            Map.of(), List.of(), (System.nanoTime() - t0) / 1e9, runDir.relativize(log).toString(), null, kernels.name(),
            Map.copyOf(lastStep), List.of());
        return new TrialRunner.Outcome(record, Map.of());
    }

    /** Every task's exact-match accuracy on its test pairs. */
    private static double[] taskAccuracies(Evaluator evaluator, LlamaModel model, List<SequenceTasks.Task> tasks) {
        double[] out = new double[tasks.size()];
        Dataset none = new Dataset("none", List.of());
        for (int k = 0; k < out.length; k++) {
            out[k] = evaluator.evaluate(model, new EvalSuite(none, none, tasks.get(k).test())).taskAccuracy();
        }
        return out;
    }

    private static List<Sequence> finetuneData(ExperimentSpec spec, BaseModels base, SequenceTasks.Task task,
                                               FinetuneOptions options, WordTokenizer tok, long baseSeed) {
        List<Sequence> all = SequenceTasks.finetune(base.world(), task, options).sequences(tok);
        int cap = spec.finetune().dataSize();
        return cap > 0 && cap < all.size() ? FisherEstimators.sample(all, cap, baseSeed + task.number()) : all;
    }

    private static void writeLine(BufferedWriter w, int task, dev.alignguard.training.trainer.StepRecord r, Path file) {
        ObjectNode o = JSON.createObjectNode();
        o.put("sequence_task", task); // "task" is the task-loss term
        o.put("step", r.step());
        o.put("lr", r.learningRate());
        r.terms().forEach(o::put);
        r.diagnostics().forEach(o::put);
        o.put("grad_norm", r.gradNorm());
        try {
            w.write(JSON.writeValueAsString(o));
            w.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the trial log " + file + ": " + e.getMessage(), e);
        }
    }
}
