package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.math.kernels.Backend;

/**
 * A study asked to run on OpenCL runs every stage there (PoCL in CI), and reaches the vector
 * backend's numbers within float rounding: never silently replaced, never wrong. Runs in the OpenCL
 * tests' own JVM (its name matches the build's {@code OpenCl*Test} pattern).
 */
class OpenClTrialTest {

    @Test
    void aStudyOnOpenClRunsThereAndAgreesWithTheVectorBackend(@TempDir Path dir) throws IOException {
        ExperimentSpec spec = StudyTest.tinySpec().withSeedCount(1).withBaseSeedCount(1);
        Summary cl = StudyTest.run(spec, new LocalExecutor(2), dir.resolve("cl"), new Backend("opencl", 1));
        Summary vec = StudyTest.run(spec, new LocalExecutor(2), dir.resolve("vec"), new Backend("vector", 1));
        assertEquals("opencl", cl.backend().name());
        assertEquals(vec.trials().size(), cl.trials().size());
        for (int i = 0; i < cl.trials().size(); i++) {
            TrialRecord c = cl.trials().get(i), v = vec.trials().get(i);
            assertFalse(c.failed(), c.method() + ": " + c.error());
            assertEquals("opencl", c.kernels(), c.method() + " ran on the OpenCL kernels");
            double nllCl = c.metrics().get("alignment_nll"), nllVec = v.metrics().get("alignment_nll");
            assertEquals(nllVec, nllCl, 1e-3 * Math.max(1, Math.abs(nllVec)),
                c.method() + ": refusal NLL on OpenCL vs vector (float rounding of a different summation order)");
        }
    }
}
