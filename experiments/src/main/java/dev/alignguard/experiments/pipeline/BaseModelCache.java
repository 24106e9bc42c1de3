package dev.alignguard.experiments.pipeline;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.eval.Evaluator;
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.results.StageStop;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.world.World;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.objective.TaskObjective;
import dev.alignguard.training.trainer.Progress;
import dev.alignguard.training.trainer.Trainer;

/**
 * Stages 0 and 1, built once per distinct base and reused by every method and sweep point that
 * shares it. The key is a hash of everything the base depends on (world, model, both stages, seed),
 * so two specs that differ only in their fine-tuning share their base models.
 */
public final class BaseModelCache {

    /** Bumped whenever the way a base is built changes, so stale cache entries are never reused. */
    static final String BUILD_VERSION = "base-v1";

    private final Map<String, BaseModels> memory = new ConcurrentHashMap<>();
    private final PrintStream progress;
    private final BaseStore store;

    public BaseModelCache(PrintStream progress) {
        this(progress, BaseStore.NONE);
    }

    /** A cache whose bases are kept in (and resumed from) {@code store}, e.g. a {@link RunFolder}. */
    public BaseModelCache(PrintStream progress, BaseStore store) {
        this.progress = progress;
        this.store = store;
    }

    public static String key(ExperimentSpec spec, long baseSeed) {
        ObjectNode o = ExperimentSpec.JSON.createObjectNode();
        o.put("build", BUILD_VERSION);
        o.put("seed", baseSeed);
        ObjectNode tree = (ObjectNode) spec.toJson();
        o.set("world", tree.get("world"));
        o.set("model", tree.get("model"));
        o.set("pretrain", weightsOnly(tree.get("pretrain")));
        o.set("align", weightsOnly(tree.get("align")));
        if (spec.data() != null) { // the files' contents, not just their names, decide the base
            ObjectNode files = o.putObject("data");
            spec.data().files().forEach((stage, file) -> files.put(stage, file + "#" + contentHash(file)));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(o.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A stage's settings without those that never change its weights (divergence bounds, checkpoint interval). */
    private static com.fasterxml.jackson.databind.JsonNode weightsOnly(com.fasterxml.jackson.databind.JsonNode stage) {
        ObjectNode copy = ((ObjectNode) stage).deepCopy();
        copy.remove(java.util.List.of("divergence", "checkpoint_every"));
        return copy;
    }

    /** The first 8 bytes of the file's SHA-256, read in chunks (a data file is never held whole for this). */
    private static String contentHash(String file) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(file))) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                sha.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read data file " + file + " named in the spec: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public BaseModels get(ExperimentSpec spec, long baseSeed, Kernels kernels) {
        String key = key(spec, baseSeed);
        return memory.computeIfAbsent(key, k -> build(k, spec, baseSeed, kernels));
    }

    private BaseModels build(String key, ExperimentSpec spec, long seed, Kernels kernels) {
        World world = World.generate(spec.world(), seed);
        StageData data = StageData.of(world, spec.data());
        WordTokenizer tok = data.tokenizer();
        int pad = tok.specialId(WordTokenizer.PAD);
        LlamaConfig config = spec.model().toConfig(tok.vocabSize(), data.maxSequenceLength() + 1);
        LlamaModel model = LlamaModel.initialize(config, seed);
        progress.printf("base %s: world of %d objects, vocabulary %d; model hidden %d x %d layers%n", key,
            world.objects().size(), tok.vocabSize(), config.hiddenSize(), config.numHiddenLayers());
        BaseStore.Finished done = store.finished(key);
        store.keepAlignmentSet(key, data.alignmentSet());
        Evaluator evaluator = new Evaluator(kernels, tok).withRefusalMarkers(spec.refusalMarkers());
        long started = System.nanoTime();
        StopCheck pretrainStop = StopCheck.of("base " + key, "pretrain", spec.pretrain(), model, evaluator, data.validation(), progress);
        store.stage(key, "pretrain", model, tok, new Trainer(model, kernels, spec.pretrain().toConfig(seed), new TaskObjective(model),
            new DataOrder(data.pretrain().sequences(tok), seed), pad).watch("pretrain", spec.pretrain().toDivergence())
            .progress(new Progress("pretrain " + key, progress, 5, true)), spec.pretrain().checkpointInterval(), seed, pretrainStop);
        LlamaModel unaligned = model.copy();
        long pretrained = System.nanoTime();
        StopCheck alignStop = StopCheck.of("base " + key, "align", spec.align(), model, evaluator, data.validation(), progress);
        store.stage(key, "align", model, tok, new Trainer(model, kernels, spec.align().toConfig(seed + 1), new TaskObjective(model),
            new DataOrder(data.align().sequences(tok), seed + 1), pad).watch("align", spec.align().toDivergence())
            .progress(new Progress("align " + key, progress, 5, true)), spec.align().checkpointInterval(), seed + 1, alignStop);
        long aligned = System.nanoTime();
        List<StageStop> stops = new ArrayList<>();
        for (StopCheck s : new StopCheck[] {pretrainStop, alignStop}) {
            if (s != null) {
                StageStop o = s.outcome();
                stops.add(o);
                progress.printf(Locale.ROOT, "base %s: %s %s its stop rule (%s) at step %d of %d (validation refusal %.3f,"
                    + " over-refusal %.3f, safe accuracy %.3f)%n", key, o.stage(), o.met() ? "met" : "did NOT meet", o.rule(), o.steps(),
                    o.maxSteps(), o.last().refusalUnsafe(), o.last().overRefusalSafe(), o.last().safeAccuracy());
            }
        }
        Metrics unalignedMetrics, alignedMetrics;
        if (done != null) {
            unalignedMetrics = done.unaligned();
            alignedMetrics = done.aligned();
        } else {
            unalignedMetrics = evaluator.evaluate(unaligned, data.evaluation());
            alignedMetrics = evaluator.evaluate(model, data.evaluation());
            store.finish(key, unalignedMetrics, alignedMetrics);
        }
        // wall times, for how a study's time splits (stages resumed from the store take no time here)
        progress.printf(Locale.ROOT, "base %s: unaligned refusal %.3f, aligned refusal %.3f, over-refusal %.3f, safe accuracy %.3f"
            + " (pretrain %.0f s, align %.0f s, test evaluation %.0f s)%n", key, unalignedMetrics.refusalUnsafe(),
            alignedMetrics.refusalUnsafe(), alignedMetrics.overRefusalSafe(), alignedMetrics.safeAccuracy(),
            (pretrained - started) / 1e9, (aligned - pretrained) / 1e9, (System.nanoTime() - aligned) / 1e9);
        return new BaseModels(key, world, data, unaligned, model, unalignedMetrics, alignedMetrics, stops);
    }
}
