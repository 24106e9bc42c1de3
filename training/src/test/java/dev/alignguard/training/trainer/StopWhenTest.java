package dev.alignguard.training.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

/** Issue 16: a stop rule ends a run at the first check that answers true, before that step's checkpoint. */
class StopWhenTest {

    @Test
    void theRunEndsAtTheFirstCheckThatAnswersTrueWithTheWeightsOfThatStep() {
        LlamaModel stopped = model(), cut = model();
        List<Integer> asked = new ArrayList<>();
        List<Integer> saved = new ArrayList<>();
        Trainer t = trainer(stopped).stopWhen(5, steps -> {
            asked.add(steps);
            return steps >= 15;
        }).checkpointEvery(5, (done, opt) -> saved.add(done));
        t.run();
        assertEquals(List.of(5, 10, 15), asked, "asked every 5 steps, until the first true");
        assertEquals(15, t.stoppedAt());
        assertEquals(List.of(5, 10), saved, "no checkpoint at the step that stopped the run");
        Trainer plain = trainer(cut);
        plain.run(plain.newOptimizer(), 0, 15); // the same schedule (over 40 steps), cut by hand at 15
        for (var e : cut.parameters().entrySet()) {
            assertArrayEquals(e.getValue().data(), stopped.parameters().get(e.getKey()).data(), e.getKey());
        }
    }

    @Test
    void aRuleThatNeverAnswersTrueLeavesTheRunWhole() {
        LlamaModel m = model();
        Trainer t = trainer(m).stopWhen(8, steps -> false);
        t.run();
        assertEquals(-1, t.stoppedAt());
        assertThrows(IllegalArgumentException.class, () -> trainer(model()).stopWhen(0, steps -> true));
    }

    private static Trainer trainer(LlamaModel m) {
        TrainingConfig config = new TrainingConfig(40, 4, 1, AdamW.Settings.of(1e-2, 0.0), Schedule.Kind.COSINE, 3, 0.1, 1.0, 5);
        return new Trainer(m, ScalarKernels.INSTANCE, config, new TaskObjective(m), new DataOrder(data(), 5), 0);
    }

    private static LlamaModel model() {
        return LlamaModel.initialize(new LlamaConfig(12, 8, 12, 1, 2, 1, 16, 1e-5, 10000.0), 5);
    }

    private static List<Sequence> data() {
        Random rnd = new Random(5);
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            out.add(new Sequence(rnd.ints(3, 3, 12).toArray(), rnd.ints(2, 3, 12).toArray()));
        }
        return out;
    }
}
