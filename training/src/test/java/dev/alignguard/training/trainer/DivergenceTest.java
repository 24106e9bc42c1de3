package dev.alignguard.training.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.objective.TaskObjective;
import dev.alignguard.training.optim.AdamW;
import dev.alignguard.training.optim.Schedule;

/** Issue 11, item 4: divergence is detected while every number is still finite, and the watch changes nothing. */
class DivergenceTest {

    private static final Divergence TIGHT = new Divergence(10, 3, 1e4, 100);

    @Test
    void aLossThatStaysFarAboveItsStartForAWindowStopsTheStageNamingStageStepAndValues() {
        Divergence.Watch w = TIGHT.watch("pretrain", 100);
        w.start(1);
        w.observe(0, 2.0, 1, 1);
        w.observe(1, 30.0, 1, 1);
        w.observe(2, 30.0, 1, 1);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> w.observe(3, 31.0, 1, 1));
        assertEquals("pretrain", e.stage());
        assertEquals(3, e.step());
        assertEquals("loss", e.term());
        assertTrue(e.getMessage().contains("stage pretrain at step 3") && e.getMessage().contains("31")
            && e.getMessage().contains("10 x its value 2") && e.getMessage().contains("3 steps"), e.getMessage());
    }

    @Test
    void aSpikeShorterThanTheWindowIsNotDivergence() {
        Divergence.Watch w = TIGHT.watch("align", 100);
        w.start(1);
        w.observe(0, 2.0, 1, 1);
        w.observe(1, 30.0, 1, 1);
        w.observe(2, 30.0, 1, 1);
        w.observe(3, 3.0, 1, 1); // back under 10 x 2: the run of bad steps restarts
        w.observe(4, 30.0, 1, 1);
        w.observe(5, 30.0, 1, 1);
        assertThrows(TrainingDivergedException.class, () -> w.observe(6, 30.0, 1, 1));
    }

    @Test
    void aStageShorterThanTheWindowJudgesEveryStepAfterTheFirst() {
        Divergence.Watch w = new Divergence(10, 20, 1e4, 100).watch("finetune", 4);
        w.start(1);
        w.observe(0, 1.0, 1, 1);
        w.observe(1, 50.0, 1, 1);
        w.observe(2, 50.0, 1, 1);
        assertThrows(TrainingDivergedException.class, () -> w.observe(3, 50.0, 1, 1));
    }

    @Test
    void anExplodingGradientNormStopsAtOnce() {
        Divergence.Watch w = TIGHT.watch("pretrain", 100);
        w.start(1);
        w.observe(0, 2.0, 9e3, 1);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> w.observe(1, 2.0, 1.2e4, 1));
        assertEquals("gradient norm", e.term());
        assertTrue(e.getMessage().contains("1.200e+04") && e.getMessage().contains("grad_norm"), e.getMessage());
    }

    @Test
    void weightsThatGrowAHundredfoldStopTheStage() {
        Divergence.Watch w = TIGHT.watch("finetune", 100);
        w.start(2.0);
        w.observe(0, 2.0, 1, 150);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> w.observe(1, 2.0, 1, 250));
        assertEquals("weight norm", e.term());
        assertTrue(e.getMessage().contains("weight_factor 100"), e.getMessage());
    }

    @Test
    void aSavedWatchContinuesExactlyAsTheUninterruptedOne() {
        Divergence.Watch a = TIGHT.watch("pretrain", 100);
        a.start(1);
        a.observe(0, 2.0, 1, 1);
        a.observe(1, 30.0, 1, 1);
        a.observe(2, 30.0, 1, 1);
        Divergence.Watch b = TIGHT.watch("pretrain", 100);
        b.restore(a.state());
        b.start(5); // a resumed stage keeps the saved starting norm
        assertThrows(TrainingDivergedException.class, () -> b.observe(3, 30.0, 1, 1), "the run of bad steps carried over");
        assertThrows(IllegalArgumentException.class, () -> b.restore("not a state"));
    }

    @Test
    void boundsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Divergence(1, 20, 1e4, 100));
        assertThrows(IllegalArgumentException.class, () -> new Divergence(10, 0, 1e4, 100));
        assertThrows(IllegalArgumentException.class, () -> new Divergence(10, 20, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> new Divergence(10, 20, 1e4, 1));
    }

    @Test
    void aRunawayLearningRateStopsTheTrainerThoughEveryNumberIsFinite() {
        LlamaModel m = model(3);
        Trainer t = new Trainer(m, ScalarKernels.INSTANCE, config(1e6, 20, 3), new TaskObjective(m), new DataOrder(data(3), 3), 0)
            .watch("pretrain", Divergence.defaults());
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::run);
        assertEquals("pretrain", e.stage());
        assertTrue(e.step() < 5, "caught within a few steps, not at the end: " + e.getMessage());
    }

    @Test
    void watchingChangesNoWeight() {
        LlamaModel watched = model(5), plain = model(5);
        new Trainer(watched, ScalarKernels.INSTANCE, config(1e-2, 12, 5), new TaskObjective(watched), new DataOrder(data(5), 5), 0)
            .watch("pretrain", Divergence.defaults()).run();
        new Trainer(plain, ScalarKernels.INSTANCE, config(1e-2, 12, 5), new TaskObjective(plain), new DataOrder(data(5), 5), 0).run();
        boolean moved = false;
        LlamaModel init = model(5);
        for (var e : plain.parameters().entrySet()) {
            float[] p = e.getValue().data();
            assertArrayEquals(p, watched.parameters().get(e.getKey()).data(), e.getKey());
            moved |= !java.util.Arrays.equals(p, init.parameters().get(e.getKey()).data());
        }
        assertTrue(moved, "training changed the weights");
    }

    private static LlamaModel model(long seed) {
        return LlamaModel.initialize(new LlamaConfig(12, 8, 12, 1, 2, 1, 16, 1e-5, 10000.0), seed);
    }

    private static TrainingConfig config(double lr, int steps, long seed) {
        return new TrainingConfig(steps, 4, 1, AdamW.Settings.of(lr, 0.0), Schedule.Kind.CONSTANT, 0, 0.1, 1.0, seed);
    }

    private static List<Sequence> data(long seed) {
        Random rnd = new Random(seed);
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            out.add(new Sequence(rnd.ints(3, 3, 12).toArray(), rnd.ints(2, 3, 12).toArray()));
        }
        return out;
    }
}
