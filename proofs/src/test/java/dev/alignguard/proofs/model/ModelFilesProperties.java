package dev.alignguard.proofs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.hf.AdapterFiles;
import dev.alignguard.model.hf.LoadedAdapters;
import dev.alignguard.model.hf.LoadedModel;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.LoraShapes;
import dev.alignguard.proofs.gen.ModelShapes;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The laws of model and adapter folders: saving then loading gives back the same model and the same
 * adapters bit for bit (every parameter's float bits, NaN payloads and -0.0 included; configs
 * equal), on random small configurations (grouped-query attention, zero to three layers, any
 * vocabulary); and the loaded adapters, attached to the same base, give the same logits bit for bit.
 */
class ModelFilesProperties {

    private static final Kernels K = Backends.create("vector", 2);
    /** Every parameter overwritten with random values; one in eight an arbitrary bit pattern (NaN, inf, subnormal, -0). */
    private static LlamaModel randomModel(LlamaConfig config, long seed) {
        LlamaModel m = LlamaModel.initialize(config, seed);
        Random rnd = new Random(seed);
        for (Tensor t : m.parameters().values()) {
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = rnd.nextInt(8) == 0 ? Float.intBitsToFloat(rnd.nextInt()) : (float) rnd.nextGaussian();
            }
        }
        return m;
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(
                    what + "[" + i + "]: " + expected[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(expected[i]))
                        + ") became " + actual[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }

    @Test
    void modelSaveThenLoadIsBitIdentical() {
        Laws.qt(40).forAll(ModelShapes.llamaConfigs(), Gaussians.seeds(), booleans().all())
            .checkAssert((config, seed, withTokenizer) -> Laws.unchecked(() -> modelRoundTrip(config, seed, withTokenizer)));
    }

    private static void modelRoundTrip(LlamaConfig config, long seed, boolean withTokenizer) throws IOException {
        LlamaModel m = randomModel(config, seed);
        WordTokenizer tok = null;
        if (withTokenizer) {
            int words = Math.max(0, Math.min(config.vocabSize() - WordTokenizer.FIXED_SPECIALS.size(), 6));
            tok = config.vocabSize() < WordTokenizer.FIXED_SPECIALS.size() ? null
                : WordTokenizer.of(List.of(), Stream.iterate(0, i -> i + 1).limit(words).map(i -> "w" + i).toList());
        }
        Path dir = Files.createTempDirectory("modelfiles");
        try {
            ModelFiles.save(m, tok, dir);
            LoadedModel loaded = ModelFiles.load(dir);
            assertEquals(config, loaded.model().config());
            assertEquals(tok, loaded.tokenizer());
            assertEquals(List.copyOf(m.parameters().keySet()), List.copyOf(loaded.model().parameters().keySet()));
            for (Map.Entry<String, Tensor> e : m.parameters().entrySet()) {
                Tensor other = loaded.model().parameters().get(e.getKey());
                assertEquals(e.getValue().shape(), other.shape(), e.getKey());
                assertSameBits(e.getValue().data(), other.data(), e.getKey());
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    /** A base model's configuration, an adapter configuration that targets at least one of its linears, the seed, the batch size. */
    record AdapterCase(LlamaConfig config, LoraConfig lora, long seed, int batch) {
    }

    @Test
    void adapterSaveThenLoadIsBitIdenticalAndGivesTheSameLogits() {
        Laws.qt(40).forAll(ModelShapes.llamaConfigs().zip(LoraShapes.configs(), Gaussians.seeds(), integers().between(1, 3),
            AdapterCase::new)
            .assuming(ModelFilesProperties::adapterTargetsSomething))
            .checkAssert(c -> Laws.unchecked(() -> adapterRoundTrip(c)));
    }

    /** The LoRA configuration targets at least one linear of the base model (a model without layers has only lm_head). */
    private static boolean adapterTargetsSomething(AdapterCase c) {
        return LlamaModel.initialize(c.config(), c.seed()).linears().stream().anyMatch(l -> c.lora().targets(l.path()));
    }

    private static void adapterRoundTrip(AdapterCase c) throws IOException {
        LlamaConfig config = c.config();
        LoraConfig lora = c.lora();
        long seed = c.seed();
        int batch = c.batch();
        LlamaModel base = LlamaModel.initialize(config, seed);
        LlamaModel m = base.copy();
        Random rnd = new Random(seed);
        for (LoraAdapter a : m.attachLora(lora, seed).values()) {
            float[] b = a.b().data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.2 * rnd.nextGaussian()); // B = 0 would make the logits test vacuous
            }
        }
        int seq = Math.min(config.maxPositionEmbeddings(), 1 + rnd.nextInt(5));
        int[] tokens = rnd.ints(batch * seq, 0, config.vocabSize()).toArray();
        float[] before = m.forward(Graph.inference(K), tokens, batch, seq).data();

        Path dir = Files.createTempDirectory("adapterfiles");
        try {
            AdapterFiles.save(m, lora, dir);
            LoadedAdapters loaded = AdapterFiles.load(dir);
            assertEquals(lora, loaded.config());
            assertEquals(List.copyOf(m.adapters().keySet()), List.copyOf(loaded.adapters().keySet()));
            for (Map.Entry<String, LoraAdapter> e : m.adapters().entrySet()) {
                LoraAdapter mine = e.getValue(), theirs = loaded.adapters().get(e.getKey());
                assertEquals(mine.scaling(), theirs.scaling(), e.getKey());
                assertEquals(mine.a().shape(), theirs.a().shape(), e.getKey() + " A");
                assertEquals(mine.b().shape(), theirs.b().shape(), e.getKey() + " B");
                assertSameBits(mine.a().data(), theirs.a().data(), e.getKey() + ".lora_A");
                assertSameBits(mine.b().data(), theirs.b().data(), e.getKey() + ".lora_B");
            }
            LlamaModel fresh = base.copy();
            loaded.attachTo(fresh, seed);
            assertArrayEquals(before, fresh.forward(Graph.inference(K), tokens, batch, seq).data(),
                "the loaded adapters give the same logits");
        } finally {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
