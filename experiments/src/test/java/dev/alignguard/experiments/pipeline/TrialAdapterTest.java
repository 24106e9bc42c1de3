package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.hf.AdapterFiles;
import dev.alignguard.model.hf.LoadedAdapters;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;

/** A trial's adapter kept as a peft folder: plain LoRA bit for bit, a transformed update as an exact dense LoRA. */
class TrialAdapterTest {

    private static final LlamaConfig CONFIG = new LlamaConfig(23, 8, 12, 2, 2, 1, 6, 1e-5, 10000.0);
    private static final LoraConfig LORA = new LoraConfig(2, 4, 0, List.of("q_proj", "v_proj"), null, false);
    private static final Kernels KERNELS = new VectorKernels(1);
    private static final int[] TOKENS = {1, 2, 3, 4, 22, 0, 7, 7};

    @TempDir
    Path dir;

    /** The aligned model with a "trained" adapter: B drawn, not zero, so the update is not trivial. */
    private static LlamaModel trained() {
        LlamaModel m = LlamaModel.initialize(CONFIG, 11);
        Random rnd = new Random(5);
        for (LoraAdapter a : m.attachLora(LORA, 3).values()) {
            float[] b = a.b().data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) rnd.nextGaussian() * 0.3f;
            }
        }
        return m;
    }

    private static float[] logits(LlamaModel m) {
        return m.forward(Graph.inference(KERNELS), TOKENS, 2, 4).data().clone();
    }

    @Test
    void aPlainAdapterRoundTripsBitForBit() throws IOException {
        LlamaModel m = trained();
        TrialAdapter kept = TrialAdapter.of(m, LORA, KERNELS);
        assertFalse(kept.dense());
        kept.save(dir.resolve("a"));
        LoadedAdapters loaded = AdapterFiles.load(dir.resolve("a"));
        assertEquals(LORA.r(), loaded.config().r());
        assertEquals(LORA.loraAlpha(), loaded.config().loraAlpha());
        assertEquals(m.adapters().keySet(), loaded.adapters().keySet());
        for (Map.Entry<String, LoraAdapter> e : m.adapters().entrySet()) {
            assertArrayEquals(e.getValue().a().data(), loaded.adapters().get(e.getKey()).a().data(), e.getKey());
            assertArrayEquals(e.getValue().b().data(), loaded.adapters().get(e.getKey()).b().data(), e.getKey());
        }
        AdapterFiles.save(loaded.adapters(), loaded.config(), null, dir.resolve("b")); // load, save: the same bytes
        for (String f : List.of(AdapterFiles.WEIGHTS_FILE, AdapterFiles.CONFIG_FILE)) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
        }
        LlamaModel fresh = LlamaModel.initialize(CONFIG, 11);
        loaded.attachTo(fresh, 0);
        assertArrayEquals(logits(m), logits(fresh), "the base with the kept adapter computes what the trial's model did");
    }

    @Test
    void aTransformedUpdateIsKeptAsAnExactDenseAdapter() throws IOException {
        LlamaModel m = trained();
        for (String layer : m.adapters().keySet()) { // T(dW) = 0.37 dW + 0.5 dW o dW: of full rank, not a rank-r B A
            m.linear(layer).setDeltaTransform((g, delta) -> MatrixOps.add(g, MatrixOps.scale(g, delta, 0.37f),
                MatrixOps.scale(g, MatrixOps.mul(g, delta, delta), 0.5f)));
        }
        TrialAdapter kept = TrialAdapter.of(m, LORA, KERNELS);
        assertTrue(kept.dense());
        assertEquals(CONFIG.hiddenSize(), kept.config().r(), "rank: the largest d_in");
        kept.save(dir.resolve("dense"));
        LoadedAdapters loaded = AdapterFiles.load(dir.resolve("dense"));
        assertEquals(1f, loaded.config().scaling());
        for (String layer : m.adapters().keySet()) {
            float[] want = m.linear(layer).effectiveDelta(Graph.inference(KERNELS)).data();
            assertArrayEquals(want, loaded.adapters().get(layer).deltaWeightValues(KERNELS), layer + ": s B A = T(dW) bit for bit");
        }
        LlamaModel fresh = LlamaModel.initialize(CONFIG, 11);
        loaded.attachTo(fresh, 0);
        assertArrayEquals(logits(m), logits(fresh), "the base with the dense adapter computes what the transformed model did");
        fresh.mergeAdapters(KERNELS);
        m.mergeAdapters(KERNELS);
        assertArrayEquals(logits(m), logits(fresh), "and so does the merged model");
    }
}
