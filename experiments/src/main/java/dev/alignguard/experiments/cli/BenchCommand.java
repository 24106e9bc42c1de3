package dev.alignguard.experiments.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;

import dev.alignguard.math.Backends;
import dev.alignguard.math.Kernels;
import dev.alignguard.math.TimedKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.objective.AlignGuardObjective;
import dev.alignguard.training.objective.AlignGuardSettings;
import dev.alignguard.training.trainer.Objective;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code alignguard bench step}: the end-to-end cost of one training step (forward, backward,
 * gradients ready for AdamW) at the reference configuration, full and LoRA-only, per backend.
 * Reported, never asserted.
 */
@Command(name = "bench", description = "End-to-end benchmarks (reported, not asserted).",
    subcommands = {BenchCommand.Step.class})
public final class BenchCommand implements Runnable {

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    @Command(name = "step", mixinStandardHelpOptions = true,
        description = "Forward + backward of one training step at the reference configuration "
            + "(hidden 128, 4 layers, 4 heads, intermediate 344, vocab 256, batch 32, seq 32, LoRA r=8 on q,k,v,o).")
    static final class Step implements Runnable {

        @Option(names = "--backends", split = ",", defaultValue = "scalar,vector",
            description = "Backends to measure (scalar, vector, opencl). Default: ${DEFAULT-VALUE}.")
        List<String> backends;

        @Option(names = "--warmup", defaultValue = "5", description = "Untimed steps first. Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Option(names = "--steps", defaultValue = "20", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
        int steps;

        @Option(names = "--batch", defaultValue = "32") int batch;
        @Option(names = "--seq", defaultValue = "32") int seq;
        @Option(names = "--threads", description = "Kernel threads (default: the cores).")
        Integer threads;

        @Override
        public void run() {
            LlamaConfig config = LlamaConfig.reference();
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            System.out.printf(Locale.ROOT, "reference config: hidden %d, layers %d, heads %d, intermediate %d, vocab %d;"
                    + " batch %d x seq %d = %d tokens; %d threads%n", config.hiddenSize(), config.numHiddenLayers(),
                config.numAttentionHeads(), config.intermediateSize(), config.vocabSize(), batch, seq, batch * seq, t);
            System.out.println("| backend | mode | ms/step | tokens/s | matmul share | matmul GFLOP/s |");
            System.out.println("|---|---|---:|---:|---:|---:|");
            for (String name : backends) {
                TimedKernels k = new TimedKernels(Backends.create(name, t));
                double loraMs = 0;
                for (Mode mode : Mode.values()) {
                    double[] r = measure(config, k, mode);
                    System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.0f | %.0f%% | %.1f |%n", name, mode.label,
                        r[0], batch * seq / (r[0] / 1000), 100 * r[1], r[2]);
                    if (mode == Mode.LORA) {
                        loraMs = r[0];
                    } else if (mode == Mode.ALIGNGUARD) {
                        System.out.printf(Locale.ROOT, "  AlignGuard overhead over the LoRA step on %s: %+.1f%%%n", name,
                            100 * (r[0] / loraMs - 1));
                    }
                }
                if (k.name().equals("opencl") && Backends.create(name, t) instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // best effort
                    }
                }
            }
        }

        /** What one step trains. */
        enum Mode {
            FULL("full"), LORA("LoRA r=8 q,k,v,o"), ALIGNGUARD("LoRA + AlignGuard (m=32, all terms)");

            final String label;

            Mode(String label) {
                this.label = label;
            }
        }

        /** @return {ms per step, share of time in gemm, gemm GFLOP/s} */
        private double[] measure(LlamaConfig config, TimedKernels k, Mode mode) {
            LlamaModel model = LlamaModel.initialize(config, 1);
            Objective objective = null;
            if (mode != Mode.FULL) {
                model.attachLora(LoraConfig.of(8, 16, "q_proj", "k_proj", "v_proj", "o_proj"), 1);
            }
            if (mode == Mode.ALIGNGUARD) {
                // The cost of the terms does not depend on which directions are kept: a seeded random
                // basis of rank 32 per layer stands in for an estimated one (re-projection off).
                Map<String, LayerSubspace> subspaces = new LinkedHashMap<>();
                for (var e : model.adapters().entrySet()) {
                    int dOut = e.getValue().b().rows(), dIn = e.getValue().a().cols();
                    double[] lambda = new double[32];
                    double[] ones = new double[32];
                    for (int i = 0; i < 32; i++) {
                        lambda[i] = 1.0 / (i + 1);
                        ones[i] = 1.0;
                    }
                    subspaces.put(e.getKey(), new LayerSubspace(e.getKey(), dOut, dIn, null, new double[32][dOut * dIn],
                        lambda, ones, 1.0, Double.NaN));
                }
                Map<String, LayerSubspace> random = FisherEstimators.randomControl(subspaces, 3);
                objective = new AlignGuardObjective("alignguard", model, AlignGuardSettings.of(0.1, 0.001, 0.1),
                    () -> random, Map.of());
            }
            Random rnd = new Random(2);
            int[] tokens = rnd.ints(batch * seq, 0, config.vocabSize()).toArray();
            int[] targets = rnd.ints(batch * seq, 0, config.vocabSize()).toArray();
            boolean[] mask = new boolean[batch * seq];
            java.util.Arrays.fill(mask, true);
            Batch b = new Batch(batch, seq, tokens, targets, mask);
            List<Tensor> params = model.trainableParameters();
            for (int i = 0; i < warmup; i++) {
                step(model, k, b, params, objective);
            }
            k.reset();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                step(model, k, b, params, objective);
            }
            long total = System.nanoTime() - t0;
            return new double[] {total / 1e6 / steps, (double) k.gemmNanos() / total, k.gemmFlops() / (double) k.gemmNanos()};
        }

        private void step(LlamaModel model, Kernels k, Batch b, List<Tensor> params, Objective objective) {
            params.forEach(Tensor::zeroGrad);
            Graph g = Graph.training(k);
            Tensor loss = objective == null
                ? NeuralOps.crossEntropy(g, model.forward(g, b.tokens(), batch, seq), b.targets(), null)
                : objective.compute(g, b, 0).total();
            g.backward(loss);
        }
    }
}
