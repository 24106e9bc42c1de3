package dev.alignguard.training.fisher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.training.data.Sequence;

class PerExampleGradientsTest {

    private static final Kernels K = ScalarKernels.INSTANCE;

    @Test
    void gradientIsTheBackwardOfTheSingleExampleLoss() {
        LlamaModel m = TinyWorld.model(1);
        List<Sequence> data = TinyWorld.sequences(3, 2);
        Map<String, double[][]> g = PerExampleGradients.compute(m, K, List.of(TinyWorld.Q, TinyWorld.DOWN), data, 0);
        // the same thing by hand on the base-trainable model
        for (int i = 0; i < data.size(); i++) {
            m.linear(TinyWorld.Q).weight().zeroGrad();
            Graph gr = Graph.training(K);
            gr.backward(PerExampleGradients.exampleLoss(gr, m, data.get(i), 0));
            float[] expected = m.linear(TinyWorld.Q).weight().grad();
            for (int k = 0; k < expected.length; k++) {
                assertEquals(expected[k], g.get(TinyWorld.Q)[i][k], 0.0, "coordinate " + k);
            }
        }
    }

    @Test
    void restoresFlagsGradientsAndUnmergedWeightsBitForBit() {
        LlamaModel m = TinyWorld.model(3);
        Map<String, LoraAdapter> adapters = m.attachLora(LoraConfig.of(2, 4, "q_proj", "v_proj"), 3);
        Random rnd = new Random(3);
        for (LoraAdapter a : adapters.values()) {
            for (int i = 0; i < a.b().size(); i++) {
                a.b().data()[i] = (float) (0.3 * rnd.nextGaussian());
            }
        }
        Tensor wq = m.linear(TinyWorld.Q).weight();
        float[] before = wq.data().clone();
        float[] vBefore = m.linear(TinyWorld.V).weight().data().clone();
        Tensor down = m.linear(TinyWorld.DOWN).weight();
        down.grad()[0] = 42f;                 // a gradient a trainer may be accumulating
        PerExampleGradients.compute(m, K, List.of(TinyWorld.Q, TinyWorld.DOWN), TinyWorld.sequences(2, 4), 0);
        assertArrayEquals(before, wq.data());
        assertArrayEquals(vBefore, m.linear(TinyWorld.V).weight().data());
        assertFalse(m.linear(TinyWorld.Q).merged());
        assertEquals(42f, down.grad()[0]);
        for (Tensor t : m.parameters().values()) {
            assertFalse(t.requiresGrad(), t.name());
        }
        for (LoraAdapter a : adapters.values()) {
            assertTrue(a.a().requiresGrad() && a.b().requiresGrad());
        }
        for (Linear l : m.linears()) {
            assertNull(l.capture());
        }
    }

    @Test
    void gradientIsTakenAtTheMergedWeights() {
        LlamaModel m = TinyWorld.model(5);
        LlamaModel merged = m.copy();
        Map<String, LoraAdapter> adapters = m.attachLora(LoraConfig.of(2, 4, "q_proj").withDropout(0.5), 5);
        Random rnd = new Random(5);
        for (LoraAdapter a : adapters.values()) {
            for (int i = 0; i < a.b().size(); i++) {
                a.b().data()[i] = (float) (0.3 * rnd.nextGaussian());
            }
        }
        float[] delta = adapters.get(TinyWorld.Q).deltaWeightValues(K);
        float[] w = merged.linear(TinyWorld.Q).weight().data();
        for (int i = 0; i < w.length; i++) {
            w[i] += delta[i];
        }
        List<Sequence> data = TinyWorld.sequences(2, 6);
        double[][] withAdapter = PerExampleGradients.compute(m, K, List.of(TinyWorld.Q), data, 0).get(TinyWorld.Q);
        double[][] onMerged = PerExampleGradients.compute(merged, K, List.of(TinyWorld.Q), data, 0).get(TinyWorld.Q);
        for (int i = 0; i < data.size(); i++) {
            assertArrayEquals(onMerged[i], withAdapter[i], 0.0);   // same merged values, same arithmetic: no dropout
        }
    }

    @Test
    void capturedRowsReassembleTheGradient() {
        LlamaModel m = TinyWorld.model(7);
        List<Sequence> data = TinyWorld.sequences(3, 8);
        PerExampleGradients.forEach(m, K, List.of(TinyWorld.Q, TinyWorld.V, TinyWorld.DOWN), data, 0, true, e -> {
            assertEquals(data.get(e.example()).length() - 1, e.tokens());
            float[] g = e.gradient();
            double max = 0;
            for (float v : g) {
                max = Math.max(max, Math.abs(v));
            }
            for (int r = 0; r < e.dOut(); r++) {
                for (int c = 0; c < e.dIn(); c++) {
                    double s = 0;                     // dW = sum_t delta_t a_t^T
                    for (int t = 0; t < e.tokens(); t++) {
                        s += (double) e.outputGradients()[t * e.dOut() + r] * e.inputs()[t * e.dIn() + c];
                    }
                    // float sums of <= 6 products against a double sum: 1e-5 of the largest entry
                    assertEquals(g[r * e.dIn() + c], s, 1e-5 * max + 1e-12, e.layer() + " (" + r + ", " + c + ")");
                }
            }
        });
    }
}
