package dev.alignguard.proofs.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.alignguard.experiments.pipeline.AdapterHandover;
import dev.alignguard.experiments.pipeline.SequenceTasks;
import dev.alignguard.experiments.results.StageMetrics;
import dev.alignguard.experiments.world.Verb;
import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.training.fisher.SubspaceSettings;

/**
 * Laws of sequential fine-tuning (issue 14, part 3; {@code pipeline.SequentialTrialRunner}): handing
 * a merged adapter over to a fresh one leaves the model's function unchanged; the subspace
 * re-estimated at a handed-over model is orthonormal, for every estimator; the tasks split the task
 * verbs in order into equal groups that cover them; after each stage every task's accuracy is
 * tracked, and the means over the tasks so far and the earlier ones are over exactly those.
 */
class ContinualProperties {

    private static final Kernels K = Backends.create("vector", 2);
    private static final LoraConfig LORA = LoraConfig.of(2, 4, "q_proj", "v_proj", "down_proj");

    /** A tiny model (FisherProperties' fixture) with LoRA on three kinds of layer and random (trained-looking) B. */
    private static LlamaModel adapted(long seed) {
        LlamaModel m = FisherProperties.model(2, seed);
        Random rnd = new Random(seed ^ 0xB);
        for (LoraAdapter a : m.attachLora(LORA, seed).values()) {
            float[] b = a.b().data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.3 * rnd.nextGaussian());
            }
        }
        return m;
    }

    private static float[] logits(LlamaModel m, int[] tokens, int batch, int seq) {
        return m.forward(Graph.inference(K), tokens, batch, seq).data();
    }

    /**
     * Merging an adapter and starting a zero-initialised one computes what the merged model computes,
     * bit for bit (the fresh adapter adds exactly 0), and what the unmerged model computed up to the
     * rounding of the merge (LoraProperties' bound: 1e-4 of the largest logit); the new adapter is
     * fresh (B = 0) and is all that trains.
     */
    @Test
    void mergingThenAFreshAdapterLeavesTheFunctionUnchanged() {
        Laws.qt(20).forAll(Gaussians.seeds(), Gaussians.seeds()).checkAssert(ContinualProperties::handoverIsANoOp);
    }

    private static void handoverIsANoOp(long seed, long nextSeed) {
        LlamaModel m = adapted(seed);
        int[] tokens = new Random(seed).ints(3 * 5, 0, 10).toArray();
        float[] unmerged = logits(m, tokens, 3, 5);
        LlamaModel next = AdapterHandover.mergeAndRenew(m, K, LORA, nextSeed);
        float[] merged = logits(m, tokens, 3, 5);
        assertArrayEquals(merged, logits(next, tokens, 3, 5), "handed over vs merged, bit for bit");
        float scale = 0;
        for (float v : unmerged) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < merged.length; i++) {
            Bounds.atMost(Math.abs(merged[i] - unmerged[i]), 1e-4f * scale + 1e-6f, "logit " + i);
        }
        assertEquals(m.adapters().keySet(), next.adapters().keySet());
        int trainable = 0;
        for (LoraAdapter a : next.adapters().values()) {
            for (float b : a.b().data()) {
                assertEquals(0f, b, "a fresh adapter's B is zero");
            }
            trainable += 2;
        }
        assertEquals(trainable, next.trainableParameters().size(), "only the new adapter trains");
    }

    /**
     * The subspace a {@code reestimate} sequence uses for its next task, estimated at the handed-over
     * model (earlier tasks merged), has an orthonormal basis: max |U^T U - I| within 1e-10
     * (FisherProperties' bound for double-precision eigenvectors of these sizes), for every estimator,
     * with at most m directions per layer.
     */
    @Test
    void theReestimatedSubspaceIsOrthonormal() {
        Laws.qt(12).forAll(integers().between(2, 8), integers().between(0, 3), integers().between(1, 6), Gaussians.seeds())
            .checkAssert(ContinualProperties::reestimatedIsOrthonormal);
    }

    private static void reestimatedIsOrthonormal(int n, int kind, int m, long seed) {
        LlamaModel next = AdapterHandover.mergeAndRenew(adapted(seed), K, LORA, seed + 1);
        List<String> layers = new ArrayList<>(next.adapters().keySet());
        SubspaceSettings s = new SubspaceSettings(SubspaceSettings.Estimator.values()[kind], SelectionRule.rank(m),
            SubspaceSettings.Normalisation.MAX_EIGENVALUE, n, false, seed);
        Map<String, LayerSubspace> subs = FisherEstimators.of(s).estimate(next, K, layers, FisherProperties.sequences(n + 3, seed), s);
        assertEquals(layers.size(), subs.size());
        for (LayerSubspace sub : subs.values()) {
            assertTrue(sub.rank() <= m, sub.layer() + ": rank " + sub.rank() + " > m " + m);
            if (sub.rank() > 0) {
                Bounds.atMost(Orthonormalize.deviation(sub.basis()), 1e-10, sub.layer() + ": max |U^T U - I|");
            }
        }
    }

    /**
     * The tasks are the task verbs cut in order into equal groups: concatenated they give the verbs back,
     * each has {@code verbs / tasks}; a count that does not divide the verbs is refused.
     */
    @Test
    void tasksSplitTheTaskVerbsInOrder() {
        Laws.qt(200).forAll(integers().between(1, 8), integers().between(1, 8)).checkAssert((tasks, per) -> {
            List<Verb> verbs = new ArrayList<>();
            for (int i = 0; i < tasks * per; i++) {
                verbs.add(new Verb("v" + i, List.of(0, 1), 0, true, false));
            }
            List<List<String>> groups = SequenceTasks.verbGroups(verbs, tasks);
            assertEquals(tasks, groups.size());
            List<String> joined = new ArrayList<>();
            groups.forEach(g -> {
                assertEquals(per, g.size());
                joined.addAll(g);
            });
            assertEquals(verbs.stream().map(Verb::word).toList(), joined);
            if (tasks > 1) {
                assertThrows(IllegalArgumentException.class, () -> SequenceTasks.verbGroups(verbs.subList(0, verbs.size() - 1), tasks));
            }
        });
    }

    /**
     * After stage s (0: the aligned model) the record holds every task's accuracy, earlier, current and
     * later, under its own name and nothing else's; {@code mean_task_accuracy} is the mean over tasks
     * 1..s and {@code mean_earlier_task_accuracy} over 1..s-1 (NaN where there are none); earlier stages'
     * entries are left as they were.
     */
    @Test
    void everyStageTracksEveryTaskAndItsMeansInOrder() {
        Laws.qt(300).forAll(integers().between(2, 8), Gaussians.seeds()).checkAssert((tasks, seed) -> {
            Random r = new Random(seed);
            Map<String, Double> into = new HashMap<>();
            double[][] accuracy = new double[tasks + 1][tasks];
            for (int stage = 0; stage <= tasks; stage++) {
                for (int k = 0; k < tasks; k++) {
                    accuracy[stage][k] = r.nextInt(5) == 0 ? 0 : r.nextDouble();
                }
                double refusal = r.nextDouble();
                StageMetrics.record(into, stage, Map.of("refusal_unsafe", refusal, "not_tracked", 1.0), accuracy[stage]);
                assertEquals(refusal, into.get(StageMetrics.at(stage, "refusal_unsafe")));
                assertTrue(!into.containsKey(StageMetrics.at(stage, "not_tracked")));
            }
            for (int stage = 0; stage <= tasks; stage++) {
                double sum = 0;
                double earlier = 0;
                for (int k = 1; k <= tasks; k++) {
                    assertEquals(accuracy[stage][k - 1], into.get(StageMetrics.at(stage, StageMetrics.taskAccuracy(k))));
                    sum += k <= stage ? accuracy[stage][k - 1] : 0;
                    earlier += k < stage ? accuracy[stage][k - 1] : 0;
                }
                double mean = into.get(StageMetrics.at(stage, "mean_task_accuracy"));
                double meanEarlier = into.get(StageMetrics.at(stage, "mean_earlier_task_accuracy"));
                if (stage == 0) {
                    assertTrue(Double.isNaN(mean));
                } else {
                    assertEquals(sum / stage, mean);
                }
                if (stage <= 1) {
                    assertTrue(Double.isNaN(meanEarlier));
                } else {
                    assertEquals(earlier / (stage - 1), meanEarlier);
                }
            }
            assertEquals((tasks + 1) * (tasks + 3), into.size(), "per stage: refusal, each task, two means");
            assertThrows(IllegalArgumentException.class, () -> StageMetrics.record(into, tasks + 1, Map.of(), new double[tasks]));
        });
    }
}
