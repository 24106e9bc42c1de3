package dev.alignguard.proofs.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The laws of model and adapter folders: saving then loading gives back the same model and the same
 * adapters bit for bit (every parameter's float bits, NaN payloads and -0.0 included; configs
 * equal), on random small configurations (grouped-query attention, zero to three layers, any
 * vocabulary); and the loaded adapters, attached to the same base, give the same logits bit for bit.
 */
class ModelFilesProperties {

    private static final Kernels K = Backends.create("vector", 2);
    private static final List<String> LEAVES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
        "down_proj", "lm_head");

    @Provide
    Arbitrary<LlamaConfig> configs() {
        Arbitrary<Integer> heads = Arbitraries.of(1, 2, 4, 6);
        Arbitrary<Integer> kvPick = Arbitraries.integers().between(0, 7);
        Arbitrary<Integer> halfHeadDim = Arbitraries.integers().between(1, 3);
        Arbitrary<Integer> intermediate = Arbitraries.integers().between(1, 20);
        Arbitrary<Integer> layers = Arbitraries.integers().between(0, 3);
        Arbitrary<Integer> vocab = Arbitraries.integers().between(1, 40);
        Arbitrary<Integer> maxPositions = Arbitraries.integers().between(1, 64);
        Arbitrary<double[]> epsTheta = Combinators.combine(
            Arbitraries.doubles().between(-9, -2).ofScale(6).map(x -> Math.pow(10, x)),
            Arbitraries.doubles().between(1.0, 1e6).ofScale(4))
            .as((eps, theta) -> new double[] {eps, theta});
        return Combinators.combine(heads, kvPick, halfHeadDim, intermediate, layers, vocab, maxPositions, epsTheta)
            .as((h, kv, hd, f, l, v, p, et) -> {
                List<Integer> divisors = new ArrayList<>();
                for (int d = 1; d <= h; d++) {
                    if (h % d == 0) {
                        divisors.add(d);
                    }
                }
                return new LlamaConfig(v, h * 2 * hd, f, l, h, divisors.get(kv % divisors.size()), p, et[0], et[1]);
            });
    }

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
                throw new AssertionError(what + "[" + i + "]: " + expected[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(expected[i]))
                    + ") became " + actual[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }

    @Property(tries = 40)
    void modelSaveThenLoadIsBitIdentical(@ForAll("configs") LlamaConfig config, @ForAll long seed,
                                         @ForAll boolean withTokenizer) throws IOException {
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

    @Provide
    Arbitrary<LoraConfig> loraConfigs() {
        Arbitrary<Integer> r = Arbitraries.integers().between(1, 5);
        Arbitrary<Double> alpha = Arbitraries.of(1.0, 4.0, 16.0, 0.5, 3.25);
        Arbitrary<Double> dropout = Arbitraries.of(0.0, 0.1);
        Arbitrary<Boolean> rslora = Arbitraries.of(true, false);
        Arbitrary<Object> targets = Arbitraries.oneOf(
            Arbitraries.of(LEAVES).list().uniqueElements().ofMinSize(1).ofMaxSize(4).map(l -> (Object) l),
            Arbitraries.of("model\\.layers\\.0\\..*", ".*\\.(q|v)_proj", "lm_head|.*down_proj", "all-linear").map(s -> (Object) s));
        return Combinators.combine(r, alpha, dropout, rslora, targets).as((rr, a, d, rs, t) -> {
            @SuppressWarnings("unchecked")
            LoraConfig c = t instanceof List<?> l ? LoraConfig.of(rr, a, ((List<String>) l).toArray(String[]::new))
                : t.equals(LoraConfig.ALL_LINEAR) ? LoraConfig.of(rr, a, LoraConfig.ALL_LINEAR) : LoraConfig.matching(rr, a, (String) t);
            return c.withDropout(d).withRslora(rs);
        });
    }

    @Property(tries = 40)
    void adapterSaveThenLoadIsBitIdenticalAndGivesTheSameLogits(@ForAll("configs") LlamaConfig config,
                                                                @ForAll("loraConfigs") LoraConfig lora, @ForAll long seed,
                                                                @ForAll @IntRange(min = 1, max = 3) int batch) throws IOException {
        LlamaModel base = LlamaModel.initialize(config, seed);
        Assume.that(base.linears().stream().anyMatch(l -> lora.targets(l.path())));
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
