package dev.alignguard.experiments.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.opencl.OpenClKernels;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.TimedKernels;
import dev.alignguard.model.autodiff.BufferPool;
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
@Command(name = "bench", mixinStandardHelpOptions = true, description = "End-to-end benchmarks (reported, not asserted).",
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

        @Option(names = "--warmup", defaultValue = "15", description = "Untimed steps per mode first. Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Option(names = "--steps", defaultValue = "10", description = "Timed steps per round. Default: ${DEFAULT-VALUE}.")
        int steps;

        @Option(names = "--rounds", defaultValue = "5",
            description = "Rounds; the modes are timed in turn each round and the median round is reported. Default: ${DEFAULT-VALUE}.")
        int rounds;

        @Option(names = "--hidden", defaultValue = "128",
            description = "Hidden size (heads of 32, intermediate 344/128 of it, as the reference). Default: ${DEFAULT-VALUE}.")
        int hidden;

        @Option(names = "--layers", defaultValue = "4", description = "Decoder layers. Default: ${DEFAULT-VALUE}.")
        int layers;

        @Option(names = "--batch", defaultValue = "32")
        int batch;
        @Option(names = "--seq", defaultValue = "32")
        int seq;
        @Option(names = "--threads", description = "Kernel threads (default: the cores).")
        Integer threads;

        @Option(names = "--vs-pytorch",
            description = "Time the same step in PyTorch (benchmarks/pytorch/step.py) alternately with this "
                + "project's, round by round, and print each side's median and the ratios (first backend only).")
        boolean vsPytorch;

        @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python with torch for --vs-pytorch. Default: ${DEFAULT-VALUE}.")
        String python;

        @Option(names = "--pytorch-script", defaultValue = "benchmarks/pytorch/step.py",
            description = "The reference step for --vs-pytorch. Default: ${DEFAULT-VALUE}.")
        java.nio.file.Path pytorchScript;

        /** The buffers of every mode's step graphs (one thread runs them in turn, as a training loop would). */
        private final BufferPool buffers = BufferPool.create();

        /** One mode's model, batch and objective, built once and reused by every round. */
        record Setup(Mode mode, LlamaModel model, Batch batch, List<Tensor> params, Objective objective, BufferPool buffers) {
        }

        @Override
        public void run() {
            if (vsPytorch) {
                new VsPyTorch(this).run();
                return;
            }
            LlamaConfig config = config();
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            System.out.printf(Locale.ROOT, "reference config: hidden %d, layers %d, heads %d, intermediate %d, vocab %d;"
                + " batch %d x seq %d = %d tokens; %d threads; median of %d rounds of %d steps%n", config.hiddenSize(),
                config.numHiddenLayers(), config.numAttentionHeads(), config.intermediateSize(), config.vocabSize(), batch,
                seq, batch * seq, t, rounds, steps);
            System.out.println("| backend | mode | ms/step | tokens/s | matmul share | matmul GFLOP/s | MB allocated/step |");
            System.out.println("|---|---|---:|---:|---:|---:|---:|");
            Map<String, double[]> msPerBackend = new LinkedHashMap<>();
            List<String> profiles = new ArrayList<>();
            for (String name : backends) {
                Kernels inner = Backends.create(name, t);
                System.out.println("  " + Backends.describe(inner));
                TimedKernels k = new TimedKernels(inner);
                List<Setup> setups = new ArrayList<>();
                for (Mode mode : Mode.values()) {
                    setups.add(setup(config, mode));
                }
                for (Setup s : setups) {
                    for (int i = 0; i < warmup; i++) {
                        step(s, k);
                    }
                }
                double[][] ms = new double[setups.size()][rounds];
                double[][] share = new double[setups.size()][rounds];
                double[][] gflops = new double[setups.size()][rounds];
                String[][] profile = new String[setups.size()][rounds];
                long[] allocated = new long[setups.size()];
                for (int r = 0; r < rounds; r++) {
                    for (int m = 0; m < setups.size(); m++) {
                        Setup s = setups.get(m);
                        k.reset();
                        if (inner instanceof OpenClKernels cl) {
                            cl.resetProfile();
                        }
                        long a0 = MemoryProbe.allocatedBytes();
                        long t0 = System.nanoTime();
                        for (int i = 0; i < steps; i++) {
                            step(s, k);
                        }
                        long total = System.nanoTime() - t0;
                        allocated[m] += MemoryProbe.allocatedBytes() - a0;
                        ms[m][r] = total / 1e6 / steps;
                        share[m][r] = (double) k.gemmNanos() / total;
                        gflops[m][r] = k.gemmFlops() / (double) k.gemmNanos();
                        if (inner instanceof OpenClKernels cl) {
                            profile[m][r] = cl.profile().describe();
                        }
                    }
                }
                double[] medians = new double[setups.size()];
                double loraMs = 0;
                for (int m = 0; m < setups.size(); m++) {
                    int mid = medianIndex(ms[m]);
                    double stepMs = ms[m][mid];
                    medians[m] = stepMs;
                    Mode mode = setups.get(m).mode();
                    if (profile[m][mid] != null) {
                        profiles.add(String.format(Locale.ROOT, "%s, %s, the median round's %d steps: %s", name,
                            mode.label, steps, profile[m][mid]));
                    }
                    System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.0f | %.0f%% | %.1f | %.1f |%n", name, mode.label,
                        stepMs, batch * seq / (stepMs / 1000), 100 * share[m][mid], gflops[m][mid],
                        allocated[m] / 1e6 / ((double) rounds * steps));
                    if (mode == Mode.LORA) {
                        loraMs = stepMs;
                    } else if (mode == Mode.ALIGNGUARD) {
                        System.out.printf(Locale.ROOT, "  AlignGuard overhead over the LoRA step on %s: %+.1f%%%n", name,
                            100 * (stepMs / loraMs - 1));
                    }
                }
                msPerBackend.put(name, medians);
                System.out.printf(Locale.ROOT, "live heap after a full GC on %s (the three models, batches and optimizer-free"
                    + " gradients held): %.1f MiB%n", name, MemoryProbe.liveHeapAfterFullGc() / 1048576.0);
                if (inner instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        System.err.println("warning: could not release " + name + ": " + e.getMessage());
                    }
                }
            }
            printRatios(msPerBackend);
            profiles.forEach(line -> System.out.println("  " + line));
            System.out.printf(Locale.ROOT, "peak RSS of this JVM: %d MiB (max heap %d MiB)%n", MemoryProbe.peakRssKb() / 1024,
                MemoryProbe.maxHeap() / 1048576);
        }

        /** Each backend's time per step over the first backend's, per mode (measured in the same run). */
        private static void printRatios(Map<String, double[]> msPerBackend) {
            if (msPerBackend.size() < 2) {
                return;
            }
            var first = msPerBackend.entrySet().iterator().next();
            for (var e : msPerBackend.entrySet()) {
                if (e == first || e.getKey().equals(first.getKey())) {
                    continue;
                }
                StringBuilder line = new StringBuilder("  " + e.getKey() + " / " + first.getKey() + " time per step:");
                Mode[] modes = Mode.values();
                for (int m = 0; m < modes.length; m++) {
                    line.append(String.format(Locale.ROOT, " %s %.2fx%s", modes[m].name().toLowerCase(Locale.ROOT),
                        e.getValue()[m] / first.getValue()[m], m + 1 < modes.length ? "," : ""));
                }
                System.out.println(line);
            }
        }

        /** The reference configuration, or one scaled by --hidden / --layers. */
        LlamaConfig config() {
            LlamaConfig r = LlamaConfig.reference();
            if (hidden == r.hiddenSize() && layers == r.numHiddenLayers()) {
                return r;
            }
            int heads = hidden / r.headDim();
            return new LlamaConfig(r.vocabSize(), hidden, r.intermediateSize() * hidden / r.hiddenSize(), layers, heads,
                heads, r.maxPositionEmbeddings(), r.rmsNormEps(), r.ropeTheta());
        }

        /** The index of the median value (the lower median for an even count). */
        static int medianIndex(double[] values) {
            Integer[] idx = new Integer[values.length];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = i;
            }
            java.util.Arrays.sort(idx, (a, b) -> Double.compare(values[a], values[b]));
            return idx[(values.length - 1) / 2];
        }

        /** What one step trains. */
        enum Mode {
            FULL("full"), LORA("LoRA r=8 q,k,v,o"), ALIGNGUARD("LoRA + AlignGuard (m=32, all terms)");

            final String label;

            Mode(String label) {
                this.label = label;
            }
        }

        Setup setup(LlamaConfig config, Mode mode) {
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
                    double[][] shape = new double[32][]; // only its shape is read: one zero row, 32 times
                    Arrays.fill(shape, new double[dOut * dIn]);
                    subspaces.put(e.getKey(), new LayerSubspace(e.getKey(), dOut, dIn, null, shape, lambda, ones, 1.0, Double.NaN));
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
            return new Setup(mode, model, new Batch(batch, seq, tokens, targets, mask), model.trainableParameters(), objective,
                buffers);
        }

        void step(Setup s, Kernels k) {
            s.params().forEach(Tensor::zeroGrad);
            try (Graph g = Graph.training(k, s.buffers())) {
                Tensor loss = s.objective() == null
                    ? NeuralOps.crossEntropy(g, s.model().forward(g, s.batch().tokens(), batch, seq), s.batch().targets(), null)
                    : s.objective().compute(g, s.batch(), 0).total();
                g.backward(loss);
            }
        }
    }
}
