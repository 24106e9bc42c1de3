package dev.alignguard.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.alignguard.experiments.pipeline.StudyMemory;
import dev.alignguard.experiments.spec.Presets;

/** The launcher's heap: sized from the spec's estimate for {@code run}, from the step's shapes for {@code bench step}. */
class HeapForTest {

    private static long mib(String flags) {
        assertTrue(flags.matches("-Xmx[0-9]+m( -Xmn16m)?"), flags);
        String xmx = flags.split(" ")[0];
        return Long.parseLong(xmx.substring(4, xmx.length() - 1));
    }

    @Test
    void aStudyGetsTwiceItsEstimatePlusTheBase() throws Exception {
        long estimate = StudyMemory.of(Presets.resolve("quickstart"), 2).total();
        long expected = (2 * estimate + HeapFor.BASE_BYTES + (1 << 20) - 1) >> 20;
        assertEquals(expected, mib(HeapFor.forCommand("run", "quickstart", "--workers", "2")));
        // more workers, more heap: the options are the run command's own
        assertTrue(mib(HeapFor.forCommand("run", "quickstart", "--workers", "4")) > expected);
    }

    @Test
    void theStepBenchmarkGrowsWithItsModel() {
        String flags = HeapFor.forCommand("bench", "step", "--backends=vector");
        assertTrue(flags.endsWith(" -Xmn16m"), flags);
        long reference = mib(flags);
        long larger = mib(HeapFor.forCommand("bench", "step", "--hidden", "256", "--layers", "8"));
        assertTrue(larger > 2 * reference, reference + " MiB vs " + larger + " MiB");
        BenchCommand.Step defaults = new BenchCommand.Step();
        new picocli.CommandLine(defaults).parseArgs();
        assertEquals((HeapFor.benchStepBytes(defaults) + HeapFor.BENCH_MARGIN_BYTES + (1 << 20) - 1) >> 20, reference);
    }

    @Test
    void otherOrBadCommandsGetNothing() {
        assertEquals("", HeapFor.forCommand());
        assertEquals("", HeapFor.forCommand("presets"));
        assertEquals("", HeapFor.forCommand("run", "no-such-preset"));
        assertEquals("", HeapFor.forCommand("run", "quickstart", "--no-such-option"));
        assertEquals("", HeapFor.forCommand("bench", "step", "--hidden", "many"));
    }
}
