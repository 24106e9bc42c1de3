package dev.alignguard.proofs.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.training.baselines.HardProjection;
import dev.alignguard.training.checkpoint.Checkpoint;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.objective.AlignGuardObjective;
import dev.alignguard.training.objective.AlignGuardSettings;
import dev.alignguard.training.objective.Curvature;
import dev.alignguard.training.objective.TaskObjective;
import dev.alignguard.training.objective.UpdatePenaltyObjective;
import dev.alignguard.training.optim.AdamW;
import dev.alignguard.training.optim.Schedule;
import dev.alignguard.training.trainer.Objective;
import dev.alignguard.training.trainer.Trainer;
import dev.alignguard.training.trainer.TrainingConfig;
import dev.alignguard.training.trainer.TrainingDivergedException;
import dev.alignguard.proofs.autodiff.GradientCheckAccess;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * Laws of the training loop and the penalties' gradients on tiny models: penalty gradients with
 * respect to A and B match finite differences; hard projection keeps P_A vec(dW) = 0 after every
 * step; a run stopped and resumed from a checkpoint ends bit-identical to an uninterrupted one;
 * the thread count does not change a single bit.
 */
class TrainingProperties {

    static final LlamaConfig TINY = new LlamaConfig(12, 8, 12, 1, 2, 1, 16, 1e-5, 10000.0);
    static final List<String> TARGETS = List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj");

    static List<Sequence> data(long seed, int n) {
        Random rnd = new Random(seed);
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = rnd.ints(2 + rnd.nextInt(3), 5, 12).toArray();
            int[] response = rnd.ints(1 + rnd.nextInt(3), 5, 12).toArray();
            response[response.length - 1] = 2;
            out.add(new Sequence(prompt, response));
        }
        return out;
    }

    static Map<String, LayerSubspace> randomSubspaces(LlamaModel m, long seed, int rank) {
        Random rnd = new Random(seed);
        Map<String, LayerSubspace> out = new LinkedHashMap<>();
        for (String layer : TARGETS) {
            Tensor w = m.linear(layer).weight();
            int d = w.rows() * w.cols();
            double[][] u = Orthonormalize.random(d, rank, rnd);
            double[] lam = new double[rank], ones = new double[rank];
            for (int k = 0; k < rank; k++) {
                lam[k] = 1.0 / (k + 1);
            }
            Arrays.fill(ones, 1.0);
            out.put(layer, new LayerSubspace(layer, w.rows(), w.cols(), BasisProjector.of(d, u), u, lam, ones, 1.0, Double.NaN));
        }
        return out;
    }

    static LlamaModel loraModel(long seed) {
        LlamaModel m = LlamaModel.initialize(TINY, seed);
        var adapters = m.attachLora(LoraConfig.of(2, 4, "q_proj", "v_proj"), seed);
        Random rnd = new Random(seed ^ 7);
        for (LoraAdapter a : adapters.values()) { // a non-zero B so every penalty has a gradient
            for (int i = 0; i < a.b().size(); i++) {
                a.b().data()[i] = (float) (0.5 * rnd.nextGaussian());
            }
        }
        return m;
    }

    /** Every penalty's gradient with respect to the adapters' A and B matches central differences. */
    @Test
    void penaltyGradientsMatchFiniteDifferences() {
        Laws.qt(10).forAll(integers().between(0, 4), Gaussians.seeds())
            .checkAssert((which, seed) -> checkPenaltyGradientsMatchFiniteDifferences(which, seed));
    }

    private void checkPenaltyGradientsMatchFiniteDifferences(int which, long seed) {
        LlamaModel m = loraModel(seed);
        Map<String, LayerSubspace> subspaces = randomSubspaces(m, seed, 5);
        // The smooth |.| must be smooth on the scale of the finite-difference step (h = 1e-2), so the
        // checks use a width of 0.5; training uses 1e-4, where the same formulas apply.
        AlignGuardSettings s = switch (which) {
            case 0 -> smooth(1.0, 0, 0, 0.5);                 // Fisher penalty alone
            case 1 -> smooth(0, 1.0, 0, 0.5);                 // stability, H = I
            case 2 -> smooth(0, 0, 1.0, 1.0);                 // E_RM
            case 3 -> smooth(0, 0, 1.0, 0.0);                 // E_geo (subspace)
            default -> smooth(0.5, 0.3, 0.7, 0.5);            // all together
        };
        Objective obj = new AlignGuardObjective("alignguard", m, s, () -> subspaces, Map.of());
        Batch batch = Batch.of(data(seed, 3), 0);
        List<Tensor> params = new ArrayList<>();
        for (LoraAdapter a : m.adapters().values()) {
            params.add(a.a());
            params.add(a.b());
        }
        // the whole objective (task + penalties); the weights are O(1), so the penalties' share of
        // the gradient is of the task's order and a wrong penalty backward shows
        assertNull(GradientCheckAccess.check(g -> obj.compute(g, batch, 0).total(), params, 24, seed), "case " + which);
        Objective ewc = new UpdatePenaltyObjective("ewc", m, 1.0, Map.of(TARGETS.get(0),
            new Curvature.Diagonal(positive(seed, m.linear(TARGETS.get(0)).weight().size()))));
        assertNull(GradientCheckAccess.check(g -> ewc.compute(g, batch, 0).total(), params, 24, seed));
    }

    static AlignGuardSettings smooth(double la, double lt, double lnc, double alpha) {
        return new AlignGuardSettings(la, lt, lnc, alpha, 1.0, 0.01, AlignGuardSettings.Geodesic.SUBSPACE, 0.5f, 1e-12f);
    }

    static float[] positive(long seed, int n) {
        Random rnd = new Random(seed);
        float[] h = new float[n];
        for (int i = 0; i < n; i++) {
            h[i] = (float) Math.abs(rnd.nextGaussian());
        }
        return h;
    }

    static TrainingConfig config(int steps, long seed) {
        return new TrainingConfig(steps, 4, 2, AdamW.Settings.of(1e-2, 0.01), Schedule.Kind.COSINE, 2, 0.1, 1.0, seed);
    }

    /**
     * Hard projection: after every optimizer step the effective update T(dW) = (I - P) s B A has no
     * component in the alignment subspace; |P vec T(dW)| is rounding-level relative to |T(dW)|.
     */
    @Test
    void hardProjectionKeepsTheAlignmentComponentAtZero() {
        Laws.qt(6).forAll(Gaussians.seeds())
            .checkAssert(seed -> checkHardProjectionKeepsTheAlignmentComponentAtZero(seed));
    }

    private void checkHardProjectionKeepsTheAlignmentComponentAtZero(long seed) {
        LlamaModel m = loraModel(seed);
        Map<String, LayerSubspace> subspaces = randomSubspaces(m, seed, 6);
        HardProjection.install(m, () -> subspaces);
        Trainer t = new Trainer(m, ScalarKernels.INSTANCE, config(6, seed), new TaskObjective(m), new DataOrder(data(seed, 16), seed), 0);
        t.addHook(step -> {
            for (String layer : TARGETS) {
                float[] eff = m.linear(layer).effectiveDelta(Graph.inference(ScalarKernels.INSTANCE)).data();
                double[] x = new double[eff.length];
                double norm = 0;
                for (int i = 0; i < x.length; i++) {
                    x[i] = eff[i];
                    norm += x[i] * x[i];
                }
                double[] px = subspaces.get(layer).projector().apply(x);
                double pn = 0;
                for (double v : px) {
                    pn += v * v;
                }
                Bounds.atMost(Math.sqrt(pn), 1e-5 * Math.sqrt(norm) + 1e-12,
                    "step " + step + " " + layer + ": |P vec dW| = " + Math.sqrt(pn) + " of |dW| = " + Math.sqrt(norm));
            }
        });
        t.run();
    }

    static float[][] weights(List<Tensor> params) {
        float[][] w = new float[params.size()][];
        for (int i = 0; i < w.length; i++) {
            w[i] = params.get(i).data().clone();
        }
        return w;
    }

    static float[][] train(long seed, Kernels k, int steps, Path checkpointAt, int stopAfter) throws IOException {
        LlamaModel m = loraModel(seed);
        Map<String, LayerSubspace> subspaces = randomSubspaces(m, seed, 4);
        Objective obj = new AlignGuardObjective("alignguard", m, AlignGuardSettings.of(0.5, 0.1, 0.1), () -> subspaces, Map.of());
        TrainingConfig cfg = config(steps, seed);
        Trainer t = new Trainer(m, k, cfg, obj, new DataOrder(data(seed, 10), seed), 0);
        AdamW opt = t.newOptimizer();
        if (checkpointAt != null && stopAfter > 0) {
            t.checkpointEvery(stopAfter, (done, o) -> {
                if (done == stopAfter) {
                    Checkpoint.save(checkpointAt, o.parameters(), o, done, seed, "test");
                }
            });
            t.run(opt, 0, stopAfter); // the process "dies" after stopAfter steps
            // a fresh model and optimizer, restored from disk, continue
            LlamaModel m2 = loraModel(seed);
            Map<String, LayerSubspace> s2 = randomSubspaces(m2, seed, 4);
            Objective obj2 = new AlignGuardObjective("alignguard", m2, AlignGuardSettings.of(0.5, 0.1, 0.1), () -> s2, Map.of());
            Trainer second = new Trainer(m2, k, cfg, obj2, new DataOrder(data(seed, 10), seed), 0);
            AdamW opt2 = second.newOptimizer();
            var restored = Checkpoint.load(checkpointAt, opt2.parameters(), opt2);
            second.run(opt2, restored.stepsDone());
            return weights(opt2.parameters());
        }
        t.run(opt, 0);
        return weights(opt.parameters());
    }

    @Test
    void resumedRunEndsBitIdenticalToAnUninterruptedOne() {
        Laws.qt(4).forAll(integers().between(1, 7), Gaussians.seeds())
            .checkAssert((stopAfter, seed) -> Laws.unchecked(() -> checkResumedRunEndsBitIdentical(stopAfter, seed)));
    }

    private void checkResumedRunEndsBitIdentical(int stopAfter, long seed) throws IOException {
        Path dir = Files.createTempDirectory("ckpt");
        float[][] straight = train(seed, new VectorKernels(2), 8, null, 0);
        float[][] resumed = train(seed, new VectorKernels(2), 8, dir.resolve("step.safetensors"), stopAfter);
        for (int i = 0; i < straight.length; i++) {
            assertArrayEquals(straight[i], resumed[i], "parameter " + i);
        }
    }

    @Test
    void threadCountDoesNotChangeABit() {
        Laws.qt(4).forAll(Gaussians.seeds())
            .checkAssert(seed -> Laws.unchecked(() -> checkThreadCountDoesNotChangeABit(seed)));
    }

    private void checkThreadCountDoesNotChangeABit(long seed) throws IOException {
        float[][] one = train(seed, new VectorKernels(1), 6, null, 0);
        float[][] two = train(seed, new VectorKernels(2), 6, null, 0);
        for (int i = 0; i < one.length; i++) {
            assertArrayEquals(one[i], two[i], "parameter " + i);
        }
    }

    @Test
    void aNanLossStopsTrainingNamingTheStepAndTerm() {
        Laws.qt(3).forAll(Gaussians.seeds())
            .checkAssert(seed -> checkANanLossStopsTrainingNamingTheStepAndTerm(seed));
    }

    private void checkANanLossStopsTrainingNamingTheStepAndTerm(long seed) {
        LlamaModel m = loraModel(seed);
        Objective poisoned = new Objective() {
            @Override
            public dev.alignguard.training.trainer.Loss compute(Graph g, Batch batch, int step) {
                var task = TaskObjective.taskLoss(g, m, batch);
                float value = step == 3 ? Float.NaN : 0f;
                return new dev.alignguard.training.trainer.Loss(task, Map.of("task", task.item(), "poison", value), Map.of());
            }

            @Override
            public String name() {
                return "poisoned";
            }
        };
        Trainer t = new Trainer(m, ScalarKernels.INSTANCE, config(6, seed), poisoned, new DataOrder(data(seed, 8), seed), 0);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::run);
        assertEquals(3, e.step());
        assertEquals("poison", e.term());
    }

    @Test
    void aCorruptCheckpointIsRefusedNamingTheFile() {
        Laws.qt(3).forAll(Gaussians.seeds())
            .checkAssert(seed -> Laws.unchecked(() -> checkACorruptCheckpointIsRefusedNamingTheFile(seed)));
    }

    private void checkACorruptCheckpointIsRefusedNamingTheFile(long seed) throws IOException {
        LlamaModel m = loraModel(seed);
        Trainer t = new Trainer(m, ScalarKernels.INSTANCE, config(2, seed), new TaskObjective(m), new DataOrder(data(seed, 8), seed), 0);
        Path file = Files.createTempDirectory("ckpt").resolve("c.safetensors");
        AdamW opt = t.newOptimizer();
        Checkpoint.save(file, opt.parameters(), opt, 0, seed, "x");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 5));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(file, opt.parameters(), opt));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
