package dev.alignguard.experiments.cli;

import java.nio.file.Path;
import java.util.Locale;

import dev.alignguard.experiments.eval.Evaluator;
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.pipeline.StageData;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.Presets;
import dev.alignguard.experiments.world.EvalSuite;
import dev.alignguard.experiments.world.World;
import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.generation.Generator;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code alignguard bench eval}: the time of one evaluation of a model on a spec's test prompts,
 * KV-cached against the recomputing decoder, and whether both give the same metrics. Reported,
 * never asserted.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Time one evaluation (greedy decoding of every test prompt, alignment NLL) on a spec's world, KV-cached vs recomputing.")
final class EvalBench implements Runnable {

    @Option(names = "--spec", defaultValue = "quickstart", description = "Preset name or spec file. Default: ${DEFAULT-VALUE}.")
    String spec;

    @Option(names = "--seed", description = "Base seed of the world (default: the spec's first base seed).")
    Long seed;

    @Option(names = "--model", description = "A model folder built on that world (e.g. RUN/bases/KEY/aligned); default: the spec's"
        + " model freshly initialised (it never stops early at <eos>, so every prompt decodes to its limit: the worst case).")
    Path model;

    @Option(names = "--rounds", defaultValue = "3", description = "Timed evaluations per decoder. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--backend", defaultValue = "vector", description = "Kernels. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--threads", description = "Kernel threads (default: the cores).")
    Integer threads;

    @Override
    public void run() {
        try {
            ExperimentSpec s = Presets.resolve(spec);
            long base = seed != null ? seed : s.baseSeeds().getFirst();
            long t0 = System.nanoTime();
            World world = World.generate(s.world(), base);
            StageData data = StageData.of(world, s.data());
            double worldSeconds = (System.nanoTime() - t0) / 1e9;
            LlamaConfig config = s.model().toConfig(data.tokenizer().vocabSize(), data.maxSequenceLength() + 1);
            LlamaModel m = model != null ? ModelFiles.loadModel(model) : LlamaModel.initialize(config, base);
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            Kernels k = Backends.create(backend, t);
            EvalSuite suite = data.evaluation();
            System.out.printf(Locale.ROOT, "%s, base seed %d: world and data in %.1f s; test prompts: %d unsafe, %d safe, %d task;"
                + " model %s (hidden %d, %d layers); %s, %d threads; median of %d rounds after one untimed%n", Presets.source(spec), base,
                worldSeconds, suite.unsafe().size(), suite.safe().size(), suite.taskTest().size(), model == null ? "fresh" : model,
                m.config().hiddenSize(), m.config().numHiddenLayers(), k.name(), t, rounds);
            Evaluator evaluator = new Evaluator(k, data.tokenizer()).withRefusalMarkers(s.refusalMarkers());
            Metrics[] metrics = new Metrics[2];
            double[] medians = new double[2];
            Generator.Decoding[] decodings = {Generator.Decoding.RECOMPUTE, Generator.Decoding.CACHED};
            System.out.println("| part | wall s (median) | CPU s of the process (median) | all rounds, wall s |");
            System.out.println("|---|---:|---:|---|");
            for (int d = 0; d < decodings.length; d++) {
                Evaluator e = evaluator.withDecoding(decodings[d]);
                metrics[d] = e.evaluate(m, suite);
                medians[d] = time("evaluation, " + decodings[d].name().toLowerCase(Locale.ROOT) + " decoding", () -> e.evaluate(m, suite));
            }
            evaluator.alignmentNll(m, suite.unsafe());
            time("of which alignment NLL (teacher-forced, unchanged)", () -> evaluator.alignmentNll(m, suite.unsafe()));
            System.out.printf(Locale.ROOT, "speed-up %.1fx; metrics identical: %s (refusal %.4f, over-refusal %.4f, task %.4f,"
                + " alignment NLL %.6f)%n", medians[0] / medians[1], metrics[0].equals(metrics[1]), metrics[1].refusalUnsafe(),
                metrics[1].overRefusalSafe(), metrics[1].taskAccuracy(), metrics[1].alignmentNll());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Runs {@code body} {@link #rounds} times, prints the median wall and process CPU seconds, returns the wall median. */
    private double time(String part, Runnable body) {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double[] wall = new double[rounds], cpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long c0 = os.getProcessCpuTime(), w0 = System.nanoTime();
            body.run();
            wall[r] = (System.nanoTime() - w0) / 1e9;
            cpu[r] = (os.getProcessCpuTime() - c0) / 1e9;
        }
        double w = median(wall);
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %s |%n", part, w, median(cpu),
            java.util.Arrays.toString(java.util.Arrays.stream(wall).map(x -> Math.round(x * 100) / 100.0).toArray()));
        return w;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2];
    }
}
