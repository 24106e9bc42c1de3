package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.TimedKernels;

/** A trial runs on the kernels it is given and on no others: every matrix product goes through them. */
class TrialKernelsTest {

    @Test
    void everyMethodsTrialRunsOnTheGivenKernels(@TempDir Path dir) throws IOException {
        ExperimentSpec spec = StudyTest.tinySpec();
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        BaseModelCache bases = new BaseModelCache(quiet);
        List<Trial> trials = Study.expand(spec);
        for (Trial trial : trials.stream().filter(t -> t.seed() == 1).toList()) {
            TimedKernels counting = new TimedKernels(ScalarKernels.INSTANCE);
            BaseModels base = bases.get(trial.spec(), trial.baseSeed(), ScalarKernels.INSTANCE);
            counting.reset();
            TrialRunner.Outcome o = new TrialRunner(counting).run(trial, base, dir);
            assertFalse(o.record().failed(), trial.label() + ": " + o.record().error());
            assertTrue(counting.gemmFlops() > 0, trial.label() + " did its matrix products on the given kernels");
            assertEquals("scalar", o.record().kernels());
            TrialRunner.Outcome plain = new TrialRunner(ScalarKernels.INSTANCE).run(trial, base, dir);
            assertEquals(plain.record().metrics(), o.record().metrics(), trial.label() + ": same kernels, same numbers");
        }
    }
}
