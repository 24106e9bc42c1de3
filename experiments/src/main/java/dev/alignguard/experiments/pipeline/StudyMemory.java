package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.experiments.spec.SpecCheck;
import dev.alignguard.experiments.world.World;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.SizeEstimate;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.training.fisher.SubspaceSettings;

/**
 * The heap a study needs, estimated from its spec before anything is allocated, and compared with
 * the JVM's maximum heap ({@link Runtime#maxMemory()}). The world of each distinct base is generated
 * (it is small) for its vocabulary and longest sequence; then, with P the parameters of a model
 * ({@link SizeEstimate}):
 * <ul>
 *   <li>each distinct base keeps its unaligned and aligned models for the whole run: 8P bytes;</li>
 *   <li>building a base trains every parameter: weights, gradients and AdamW's two moments (16P), the
 *       unaligned copy (4P) and a training step's activations;</li>
 *   <li>each worker's trial holds a copy of the aligned model (4P), the adapters with their gradients
 *       and moments, a fine-tuning step's activations, and the Fisher estimate: the per-example
 *       gradients of the targeted layers, N x D doubles each (exact and Lanczos; K-FAC keeps
 *       d_in^2 + d_out^2 doubles, the diagonal 2D), plus m kept directions of D doubles.</li>
 * </ul>
 * The total is the kept bases plus the larger of a base build and all workers' trials. It is an
 * estimate, within a small factor; the JVM needs headroom above it, so a run is refused when the
 * estimate exceeds the maximum heap, and the message names the {@code -Xmx} that would fit it.
 */
public final class StudyMemory {

    /** The estimate, in bytes, with the parts that make it up. */
    public record Estimate(long total, long keptBases, long baseBuild, long perTrial, int workers, long parameters,
                           String largest) {

        /** One line: the total and where it goes. */
        public String describe() {
            return String.format(Locale.ROOT, "about %s (largest model %s: %,d parameters; bases kept %s; building a base %s;"
                + " %d worker(s) x %s per trial)", SizeEstimate.bytes(total), largest, parameters, SizeEstimate.bytes(keptBases),
                SizeEstimate.bytes(baseBuild), workers, SizeEstimate.bytes(perTrial));
        }
    }

    /** A study that would not fit the heap. */
    public static final class TooLargeException extends IllegalArgumentException {
        public TooLargeException(String message) {
            super(message);
        }
    }

    private StudyMemory() {
    }

    /**
     * Refuses a study whose estimate exceeds {@code maxHeap}.
     *
     * @param source how the message names the spec (its file or preset)
     * @throws TooLargeException with the estimate and the -Xmx that would be needed
     * @throws IllegalArgumentException when a size overflows a Java array (from {@link SizeEstimate})
     */
    public static Estimate check(ExperimentSpec spec, int workers, long maxHeap, String source) {
        Estimate e = of(spec, workers);
        if (e.total() > maxHeap) {
            throw new TooLargeException(source + ": the study needs " + e.describe() + ", but this JVM may use at most "
                + SizeEstimate.bytes(maxHeap) + " of heap. Run with ALIGNGUARD_JAVA_OPTS=" + SizeEstimate.xmxFor(e.total())
                + " (the launcher passes it to java), fewer --workers, or a smaller model");
        }
        return e;
    }

    /** The estimate for {@code spec} with {@code workers} trials at once. */
    public static Estimate of(ExperimentSpec spec, int workers) {
        List<ExperimentSpec> specs = new ArrayList<>();
        specs.add(spec);
        for (MethodSpec m : spec.methods()) {
            specs.add(spec.withOverrides(m.overrides()));
        }
        Map<String, int[]> worlds = new LinkedHashMap<>(); // world + data -> {vocab, max positions, alignment examples}
        Set<String> bases = new LinkedHashSet<>();
        long kept = 0, build = 0, trial = 0, parameters = 0;
        String largest = "";
        for (ExperimentSpec s : specs) {
            String worldKey = s.world().toString() + s.data();
            int[] shape = worlds.computeIfAbsent(worldKey, k -> {
                StageData data = StageData.of(World.generate(s.world(), s.firstBaseSeed()), s.data());
                return new int[] {data.tokenizer().vocabSize(), data.maxSequenceLength() + 1, data.alignmentSet().size()};
            });
            LlamaConfig config = s.model().toConfig(shape[0], shape[1]);
            SizeEstimate size = SizeEstimate.of(config);
            if (size.parameters() > parameters) {
                parameters = size.parameters();
                largest = "hidden " + config.hiddenSize() + " x " + config.numHiddenLayers() + " layers, vocabulary " + config.vocabSize();
            }
            int seq = shape[1];
            for (long baseSeed : s.baseSeeds()) {
                if (bases.add(BaseModelCache.key(s, baseSeed))) {
                    kept = Math.addExact(kept, 2 * size.weightBytes());
                }
            }
            long act = Math.max(size.activationBytes(s.pretrain().batchSize(), seq), size.activationBytes(s.align().batchSize(), seq));
            build = Math.max(build, size.fullTrainingBytes() + size.weightBytes() + act);
            trial = Math.max(trial, trialBytes(s, config, size, shape[2], seq));
        }
        long total = Math.addExact(kept, Math.max(build, Math.multiplyExact((long) Math.max(1, workers), trial)));
        return new Estimate(total, kept, build, trial, Math.max(1, workers), parameters, largest);
    }

    private static long trialBytes(ExperimentSpec s, LlamaConfig c, SizeEstimate size, int alignmentExamples, int seq) {
        LoraConfig lora = s.finetune().lora().toConfig();
        long h = c.hiddenSize(), f = c.intermediateSize(), kv = (long) c.numKeyValueHeads() * c.headDim(), v = c.vocabSize();
        long adapters = 0, dSum = 0, squares = 0;
        for (String path : SpecCheck.linearPaths(Math.min(c.numHiddenLayers(), 4096), c.numLocalExperts())) {
            if (!lora.targets(path)) {
                continue;
            }
            long[] shape = shape(path, h, f, kv, v, c.numLocalExperts());
            adapters += (long) lora.r() * (shape[0] + shape[1]);
            dSum += shape[0] * shape[1];
            squares += shape[0] * shape[0] + shape[1] * shape[1];
        }
        if (c.numHiddenLayers() > 4096) { // every layer is alike: scale what the first 4096 gave
            double scale = c.numHiddenLayers() / 4096.0;
            adapters = (long) (adapters * scale);
            dSum = (long) (dSum * scale);
            squares = (long) (squares * scale);
        }
        long n = Math.min(Math.max(1, s.fisher().examples()), Math.max(1, alignmentExamples));
        long m = s.fisher().energy() > 0 ? n : Math.min(Math.max(0, s.fisher().m()), n);
        SubspaceSettings.Estimator estimator = SubspaceSettings.Estimator.parse(s.fisher().estimator());
        long fisher = switch (estimator) {
            case EXACT, LANCZOS -> Math.multiplyExact(Math.multiplyExact(n, dSum), 8L);
            case KFAC -> 8 * squares;
            case DIAGONAL -> 16 * dSum;
        };
        long kept = Math.multiplyExact(Math.multiplyExact(m, dSum), 8L);
        return size.weightBytes() + 16 * adapters + size.activationBytes(s.finetune().training().batchSize(), seq) + fisher + kept;
    }

    /** {d_out, d_in} of the linear module at {@code path}. */
    private static long[] shape(String path, long h, long f, long kv, long v, long experts) {
        if (path.equals("lm_head")) {
            return new long[] {v, h};
        }
        String m = path.substring(path.lastIndexOf('.') + 1);
        return switch (m) {
            case "k_proj", "v_proj" -> new long[] {kv, h};
            case "gate_proj", "up_proj", "w1", "w3" -> new long[] {f, h};
            case "down_proj", "w2" -> new long[] {h, f};
            case "gate" -> new long[] {experts, h};          // a Mixtral router
            default -> new long[] {h, h};
        };
    }
}
