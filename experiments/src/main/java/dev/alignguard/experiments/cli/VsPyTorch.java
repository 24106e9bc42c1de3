package dev.alignguard.experiments.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaConfig;

/**
 * {@code alignguard bench step --vs-pytorch}: this project's training step and the same step in
 * PyTorch ({@code benchmarks/pytorch/step.py}, see {@link PyTorchReference}), timed alternately in
 * one long-lived JVM and one long-lived Python process: every round times each mode on both sides
 * back to back (which side goes first alternates from round to round), so both see the same load
 * on a shared machine. Prints each side's median per mode, the ratios the performance issue sets
 * targets for, and each process's peak resident memory. The AlignGuard mode is the project's own
 * (PyTorch has no counterpart); its ratio is to the project's LoRA step.
 */
final class VsPyTorch {

    private final BenchCommand.Step opts;

    VsPyTorch(BenchCommand.Step opts) {
        this.opts = opts;
    }

    void run() {
        LlamaConfig config = opts.config();
        int threads = opts.threads == null ? Runtime.getRuntime().availableProcessors() : opts.threads;
        String backend = opts.backends.contains("vector") ? "vector" : opts.backends.get(0);
        List<BenchCommand.Step.Mode> modes = new ArrayList<>(List.of(BenchCommand.Step.Mode.values()));
        if (config.hiddenSize() > 256) {
            modes.remove(BenchCommand.Step.Mode.ALIGNGUARD); // its random stand-in basis would need gigabytes
        }
        List<BenchCommand.Step.Setup> setups = new ArrayList<>();
        for (BenchCommand.Step.Mode m : modes) {
            setups.add(opts.setup(config, m));
        }
        BenchCommand.Step.Setup first = setups.get(0);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("vocab", config.vocabSize());
        cfg.put("hidden", config.hiddenSize());
        cfg.put("layers", config.numHiddenLayers());
        cfg.put("heads", config.numAttentionHeads());
        cfg.put("kv_heads", config.numKeyValueHeads());
        cfg.put("intermediate", config.intermediateSize());
        cfg.put("eps", config.rmsNormEps());
        cfg.put("theta", config.ropeTheta());
        cfg.put("batch", opts.batch);
        cfg.put("seq", opts.seq);
        cfg.put("r", 8);
        cfg.put("alpha", 16);
        cfg.put("tokens", first.batch().tokens());
        cfg.put("targets", first.batch().targets());
        Path script = opts.pytorchScript;
        System.out.printf(Locale.ROOT, "config: hidden %d, layers %d, heads %d, intermediate %d, vocab %d; batch %d x seq %d"
            + " = %d tokens; %d threads; %d rounds of %d steps per mode and side, alternating; no optimizer on either side%n",
            config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(), config.intermediateSize(),
            config.vocabSize(), opts.batch, opts.seq, opts.batch * opts.seq, threads, opts.rounds, opts.steps);
        System.out.println("PyTorch side: " + script + " run with " + String.join(" and ", PyTorchReference.UNSET)
            + " unset in its environment alone, OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=" + threads
            + ", OMP_WAIT_POLICY=PASSIVE (its fastest setting here)");
        Kernels k = Backends.create(backend, threads);
        try (PyTorchReference torch = PyTorchReference.start(opts.python, script, threads, cfg)) {
            System.out.println("PyTorch " + torch.version() + "; AlignGuard-J backend " + backend + ": " + k.device());
            for (BenchCommand.Step.Setup s : setups) {
                for (int i = 0; i < opts.warmup; i++) {
                    opts.step(s, k);
                }
                if (s.mode() != BenchCommand.Step.Mode.ALIGNGUARD) {
                    torch.time(torchMode(s.mode()), opts.warmup);
                }
            }
            double[][] java = new double[setups.size()][opts.rounds];
            double[][] py = new double[setups.size()][opts.rounds];
            long[] allocated = new long[setups.size()];
            for (int r = 0; r < opts.rounds; r++) {
                for (int m = 0; m < setups.size(); m++) {
                    BenchCommand.Step.Setup s = setups.get(m);
                    boolean hasTorch = s.mode() != BenchCommand.Step.Mode.ALIGNGUARD;
                    if (hasTorch && r % 2 == 1) {
                        py[m][r] = torch.time(torchMode(s.mode()), opts.steps);
                    }
                    long a0 = MemoryProbe.allocatedBytes();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < opts.steps; i++) {
                        opts.step(s, k);
                    }
                    java[m][r] = (System.nanoTime() - t0) / 1e6 / opts.steps;
                    allocated[m] += MemoryProbe.allocatedBytes() - a0;
                    if (hasTorch && r % 2 == 0) {
                        py[m][r] = torch.time(torchMode(s.mode()), opts.steps);
                    }
                }
            }
            System.out.println("| mode | AlignGuard-J ms/step | PyTorch ms/step | AlignGuard-J / PyTorch | target |");
            System.out.println("|---|---:|---:|---:|---:|");
            double[] jm = new double[setups.size()], pm = new double[setups.size()];
            for (int m = 0; m < setups.size(); m++) {
                BenchCommand.Step.Mode mode = setups.get(m).mode();
                jm[m] = median(java[m]);
                if (mode == BenchCommand.Step.Mode.ALIGNGUARD) {
                    System.out.printf(Locale.ROOT, "| %s | %.1f | - | - | |%n", mode.label, jm[m]);
                } else {
                    pm[m] = median(py[m]);
                    System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.2fx | <= %s |%n", mode.label, jm[m], pm[m],
                        jm[m] / pm[m], mode == BenchCommand.Step.Mode.FULL ? "0.6x" : "0.5x");
                }
            }
            System.out.printf(Locale.ROOT, "LoRA step / full step: AlignGuard-J %.2f (target <= 0.7), PyTorch %.2f%n",
                jm[1] / jm[0], pm[1] / pm[0]);
            if (setups.size() > 2) {
                System.out.printf(Locale.ROOT, "AlignGuard step / LoRA step: %.2f (target <= 1.15)%n", jm[2] / jm[1]);
            }
            System.out.printf(Locale.ROOT, "tokens/s (median): AlignGuard-J full %.0f, LoRA %.0f; PyTorch full %.0f, LoRA %.0f%n",
                tokens() / jm[0] * 1000, tokens() / jm[1] * 1000, tokens() / pm[0] * 1000, tokens() / pm[1] * 1000);
            System.out.printf(Locale.ROOT, "rounds (ms, AlignGuard-J / PyTorch): %s%n", rounds(setups, java, py));
            StringBuilder alloc = new StringBuilder();
            for (int m = 0; m < setups.size(); m++) {
                alloc.append(m == 0 ? "" : ", ").append(setups.get(m).mode().name().toLowerCase(Locale.ROOT)).append(' ')
                    .append(String.format(Locale.ROOT, "%.1f", allocated[m] / 1e6 / ((double) opts.rounds * opts.steps)));
            }
            System.out.println("MB allocated per step by the JVM (all threads): " + alloc);
            long jvmRss = MemoryProbe.peakRssKb(), torchRss = torch.peakRssKb();
            System.out.printf(Locale.ROOT, "peak RSS: AlignGuard-J JVM %d MiB, PyTorch process %d MiB, AlignGuard-J / PyTorch %.2fx"
                + " (target <= 1.0x; max heap %d MiB)%n", jvmRss / 1024, torchRss / 1024, (double) jvmRss / torchRss,
                MemoryProbe.maxHeap() / 1048576);
        } catch (IllegalStateException e) {
            System.out.println("cannot compare with PyTorch: " + e.getMessage());
        } finally {
            if (k instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // released at exit anyway
                }
            }
        }
    }

    private int tokens() {
        return opts.batch * opts.seq;
    }

    private static String torchMode(BenchCommand.Step.Mode mode) {
        return mode == BenchCommand.Step.Mode.FULL ? "full" : "lora";
    }

    private static String rounds(List<BenchCommand.Step.Setup> setups, double[][] java, double[][] py) {
        StringBuilder sb = new StringBuilder();
        for (int m = 0; m < setups.size(); m++) {
            sb.append(m == 0 ? "" : "; ").append(setups.get(m).mode().name().toLowerCase(Locale.ROOT)).append(' ');
            for (int r = 0; r < java[m].length; r++) {
                sb.append(r == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.0f", java[m][r]));
                if (py[m][r] > 0) {
                    sb.append(String.format(Locale.ROOT, "/%.0f", py[m][r]));
                }
            }
        }
        return sb.toString();
    }

    static double median(double[] v) {
        return v[BenchCommand.Step.medianIndex(v)];
    }

}
