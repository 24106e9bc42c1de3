package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.math.kernels.ScalarKernels;

/**
 * Fixed-λ AlignGuard's numbers are pinned bit for bit: the tiny spec's AlignGuard trial (scalar
 * kernels) must give exactly the metrics and last-step terms it gave before λA became a supplier
 * (the adaptive method's change to {@code AlignGuardObjective}). The expected values were printed
 * by this test on the code before that change; a change to any bit fails it. (The tiny model's
 * greedy metrics are mostly 0; the last step's terms and norms carry the training's bits.)
 */
class FixedAlignGuardGoldenTest {

    /** The architectures the expected bits were recorded on (x86-64 HotSpot, whose Math.exp the scalar softmax uses). */
    private static final java.util.Set<String> RECORDED_ON = java.util.Set.of("amd64", "x86_64");

    /** metric or last-step term -> Double.doubleToLongBits of its value, as the pre-change code gave. */
    private static final Map<String, Long> EXPECTED = Map.ofEntries(
        Map.entry("metric.alignment_nll", 4616281078309584896L),
        Map.entry("metric.alignment_nll_increase", 4585603197434855424L),
        Map.entry("metric.drift", 0L),
        Map.entry("metric.harmful_compliance", 0L),
        Map.entry("metric.over_refusal_safe", 0L),
        Map.entry("metric.refusal_kept", 9221120237041090560L),
        Map.entry("metric.refusal_unsafe", 0L),
        Map.entry("metric.refusal_unsafe_disinformation", 0L),
        Map.entry("metric.refusal_unsafe_explicit", 0L),
        Map.entry("metric.refusal_unsafe_hate", 0L),
        Map.entry("metric.refusal_unsafe_held_out_objects", 9221120237041090560L),
        Map.entry("metric.refusal_unsafe_held_out_verbs", 0L),
        Map.entry("metric.refusal_unsafe_illegal", 0L),
        Map.entry("metric.refusal_unsafe_privacy", 0L),
        Map.entry("metric.refusal_unsafe_seen_objects", 0L),
        Map.entry("metric.refusal_unsafe_seen_verbs", 0L),
        Map.entry("metric.refusal_unsafe_violence", 0L),
        Map.entry("metric.safe_accuracy", 0L),
        Map.entry("metric.task_accuracy", 0L),
        Map.entry("step.cos_a_t", -4761011848074091292L),
        Map.entry("step.e_geo", 4594590366572740608L),
        Map.entry("step.e_rm", 4573904598263136256L),
        Map.entry("step.fisher", 4564125801691217920L),
        Map.entry("step.norm_dw_a", 4587087971530370874L),
        Map.entry("step.norm_dw_t", 4596515591603028419L),
        Map.entry("step.stability", 4586154560640253952L),
        Map.entry("step.subspace_overlap", 4593973433713218291L),
        Map.entry("step.task", 4613768687797665792L));

    @Test
    void fixedAlignGuardIsBitIdenticalToThePreSupplierCode(@TempDir Path dir) throws IOException {
        ExperimentSpec spec = StudyTest.tinySpec().withBaseSeedCount(1).withSeedCount(1);
        Trial ag = Study.expand(spec).stream().filter(t -> t.method().kind().equals("alignguard")).findFirst().orElseThrow();
        BaseModelCache bases = new BaseModelCache(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        BaseModels base = bases.get(ag.spec(), ag.baseSeed(), ScalarKernels.INSTANCE);
        TrialRecord r = new TrialRunner(ScalarKernels.INSTANCE).run(ag, base, dir).record();
        Map<String, Long> actual = new TreeMap<>();
        r.metrics().forEach((k, v) -> actual.put("metric." + k, Double.doubleToLongBits(v)));
        r.lastStep().forEach((k, v) -> actual.put("step." + k, Double.doubleToLongBits(v)));
        if (RECORDED_ON.contains(System.getProperty("os.arch"))) {
            assertEquals(EXPECTED, actual);
            return;
        }
        // elsewhere Math.exp may differ by an ulp (its contract), so the bits may too: same keys, close values
        assertEquals(EXPECTED.keySet(), actual.keySet());
        for (var e : EXPECTED.entrySet()) {
            double want = Double.longBitsToDouble(e.getValue()), got = Double.longBitsToDouble(actual.get(e.getKey()));
            assertEquals(want, got, 1e-4 * Math.max(1, Math.abs(want)), e.getKey());
        }
    }
}
