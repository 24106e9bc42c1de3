package dev.alignguard.experiments.cli;

import java.util.ArrayList;
import java.util.List;
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
            List<double[]> results = new ArrayList<>();
            for (String name : backends) {
                TimedKernels k = new TimedKernels(Backends.create(name, t));
                for (boolean lora : new boolean[] {false, true}) {
                    double[] r = measure(config, k, lora);
                    results.add(r);
                    System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.0f | %.0f%% | %.1f |%n", name, lora ? "LoRA r=8 q,k,v,o" : "full",
                        r[0], batch * seq / (r[0] / 1000), 100 * r[1], r[2]);
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

        /** @return {ms per step, share of time in gemm, gemm GFLOP/s} */
        private double[] measure(LlamaConfig config, TimedKernels k, boolean lora) {
            LlamaModel model = LlamaModel.initialize(config, 1);
            if (lora) {
                model.attachLora(LoraConfig.of(8, 16, "q_proj", "k_proj", "v_proj", "o_proj"), 1);
            }
            Random rnd = new Random(2);
            int[] tokens = rnd.ints(batch * seq, 0, config.vocabSize()).toArray();
            int[] targets = rnd.ints(batch * seq, 0, config.vocabSize()).toArray();
            List<Tensor> params = model.trainableParameters();
            for (int i = 0; i < warmup; i++) {
                step(model, k, tokens, targets, params);
            }
            k.reset();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                step(model, k, tokens, targets, params);
            }
            long total = System.nanoTime() - t0;
            return new double[] {total / 1e6 / steps, (double) k.gemmNanos() / total, k.gemmFlops() / (double) k.gemmNanos()};
        }

        private void step(LlamaModel model, Kernels k, int[] tokens, int[] targets, List<Tensor> params) {
            params.forEach(Tensor::zeroGrad);
            Graph g = Graph.training(k);
            Tensor loss = NeuralOps.crossEntropy(g, model.forward(g, tokens, batch, seq), targets, null);
            g.backward(loss);
        }
    }
}
