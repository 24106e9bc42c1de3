package dev.alignguard.training.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MoeOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.ExactGramEstimator;
import dev.alignguard.training.fisher.LayerEstimate;
import dev.alignguard.training.fisher.PerExampleGradients;
import dev.alignguard.training.fisher.SubspaceSettings;
import dev.alignguard.training.objective.TaskObjective;
import org.junit.jupiter.api.Test;

/** The mixture-of-experts parts of training: the auxiliary loss in the task loss, the per-expert Fisher, the router drift. */
class MoeTrainingTest {

    static final int VOCAB = 10;
    static final String BLOCK = "model.layers.0.block_sparse_moe";

    /** hidden 8, 1 layer, 6 experts of width 4, top-2; weights with std 0.3 (the router 1.0, so routing varies). */
    static LlamaModel model(double auxCoef, long seed) {
        LlamaConfig c = new LlamaConfig(VOCAB, 8, 4, 1, 2, 1, 16, 1e-5, 10000.0).withExperts(6, 2, auxCoef);
        LlamaModel m = LlamaModel.initialize(c, seed);
        Random rnd = new Random(seed);
        for (Tensor t : m.parameters().values()) {
            float[] d = t.data();
            double std = t.name().endsWith("gate.weight") ? 1.0 : 0.3;
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (t.rows() == 1 ? 1 + 0.3 * rnd.nextGaussian() : std * rnd.nextGaussian());
            }
        }
        return m;
    }

    static List<Sequence> sequences(int n, long seed) {
        Random rnd = new Random(seed);
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Sequence(rnd.ints(2 + rnd.nextInt(2), 0, VOCAB).toArray(), rnd.ints(1, 0, VOCAB).toArray()));
        }
        return out;
    }

    @Test
    void taskLossOfAMixtralModelAddsTheWeightedLoadBalancingLoss() {
        Batch b = Batch.of(sequences(3, 1), 0);
        for (double coef : new double[] {0.0, 0.02}) {
            LlamaModel m = model(coef, 2);
            float total = TaskObjective.taskLoss(Graph.inference(ScalarKernels.INSTANCE), m, b).item();
            List<Tensor> router = new ArrayList<>();
            Graph g = Graph.inference(ScalarKernels.INSTANCE);
            Tensor logits = m.forward(g, b.tokens(), b.batchSize(), b.seqLen(), router);
            float ce = NeuralOps.crossEntropy(g, logits, b.targets(), b.lossMask()).item();
            float aux = MoeOps.loadBalancingLoss(g, router, 2).item();
            assertEquals(ce + (float) coef * aux, total, 1e-6f, "coef " + coef);
            assertTrue(aux >= 2 * 0.999f, "aux " + aux);
        }
    }

    @Test
    void perExpertFisherUsesOnlyTheExamplesRoutedToTheExpert() {
        LlamaModel m = model(0.0, 3);
        List<Sequence> ex = sequences(12, 4);
        List<String> layers = new ArrayList<>();
        for (int e = 0; e < 6; e++) {
            layers.add(BLOCK + ".experts." + e + ".w2");
        }
        layers.add("model.layers.0.self_attn.q_proj");
        Map<String, double[][]> all = PerExampleGradients.compute(m, ScalarKernels.INSTANCE, layers, ex, 0);
        Map<String, double[][]> routed = PerExampleGradients.computeRouted(m, ScalarKernels.INSTANCE, layers, ex, 0);
        // which experts each example's input tokens (the sequence less its last token) reach, found independently
        List<int[]> inputs = new ArrayList<>();
        for (Sequence q : ex) {
            int[] full = java.util.stream.IntStream.concat(java.util.Arrays.stream(q.prompt()), java.util.Arrays.stream(q.response()))
                .toArray();
            inputs.add(java.util.Arrays.copyOf(full, full.length - 1));
        }
        RoutingProfile profile = RoutingProfile.of(m, ScalarKernels.INSTANCE, inputs);
        int fewer = 0;
        for (String l : layers) {
            int expert = dev.alignguard.model.llama.SparseMoe.expertOf(l);
            List<double[]> expected = new ArrayList<>();
            for (int i = 0; i < ex.size(); i++) {
                double[] g = all.get(l)[i];
                if (expert < 0 || profile.routings().get(i).get(0).countOf(expert) > 0) {
                    expected.add(g);
                } else {
                    assertTrue(java.util.Arrays.stream(g).allMatch(v -> v == 0), "unrouted example " + i + " at " + l);
                }
            }
            assertEquals(expected.size(), routed.get(l).length, l);
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), routed.get(l)[i], l);
            }
            fewer += all.get(l).length - routed.get(l).length;
        }
        assertEquals(12, routed.get("model.layers.0.self_attn.q_proj").length);
        assertTrue(fewer > 0, "every expert served every example: the test shows nothing");
        // so the expert's Fisher is G_e^T G_e / N_e: its top eigenvalue is N / N_e times that of the diluted one
        SubspaceSettings s = new SubspaceSettings(SubspaceSettings.Estimator.EXACT, new SelectionRule.Rank(2),
            SubspaceSettings.Normalisation.NONE, 100, false, 1);
        List<LayerEstimate> est = new ExactGramEstimator().estimateLayers(m, ScalarKernels.INSTANCE, layers, ex, s);
        boolean checked = false;
        for (int e = 0; e < 6; e++) {
            String l = layers.get(e);
            int ne = routed.get(l).length;
            LayerEstimate got = est.get(e);
            if (ne == 0) {
                assertEquals(0, got.rank(), l);
                continue;
            }
            LayerEstimate diluted = ExactGramEstimator.layer(l, 8, 4, all.get(l), new SelectionRule.Rank(2));
            assertEquals(diluted.top() * 12 / ne, got.top(), 1e-9 * got.top(), l);
            checked |= ne < 12;
        }
        assertTrue(checked);
    }

    @Test
    void routerDriftIsZeroForTheSameModelAndSeesAChangedRouter() {
        LlamaModel m = model(0.0, 5);
        List<int[]> prompts = new ArrayList<>();
        for (Sequence s : sequences(8, 6)) {
            prompts.add(s.prompt());
        }
        RoutingProfile before = RoutingProfile.of(m, ScalarKernels.INSTANCE, prompts);
        RouterDrift none = RouterDrift.between(before, RoutingProfile.of(m, ScalarKernels.INSTANCE, prompts));
        assertEquals(new RouterDrift(0, 0, 0, 0), none);
        double[] load = before.load(0);
        assertEquals(1.0, java.util.Arrays.stream(load).sum(), 1e-12);
        float[] gate = m.parameters().get(BLOCK + ".gate.weight").data();
        for (int i = 0; i < 8; i++) {
            gate[i] += 3f; // expert 0's row: it now wins many tokens
        }
        RouterDrift d = RouterDrift.between(before, RoutingProfile.of(m, ScalarKernels.INSTANCE, prompts));
        assertTrue(d.changedSets() > 0 && d.changedSets() <= 1, d.toString());
        assertTrue(d.probabilityTv() > 0 && d.probabilityTv() <= 1, d.toString());
        assertTrue(d.loadTv() > 0 && d.loadTv() <= 1, d.toString());
    }
}
