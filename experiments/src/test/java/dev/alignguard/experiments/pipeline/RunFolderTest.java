package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.results.CurvePoint;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.math.kernels.Backend;

/** Issue 11, items 6, 7 and 8: the run folder's ownership rules, its content keys and what it stores. */
public class RunFolderTest {

    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    private static final Backend VECTOR = new Backend("vector", 1);

    static ExperimentSpec tiny;
    static RunFolder.Identity id;

    @TempDir
    Path dir;

    @BeforeAll
    static void spec() throws IOException {
        tiny = StudyTest.tinySpec();
        id = RunFolder.Identity.of(tiny, "1.0", VECTOR);
    }

    private RunFolder open(Path folder, RunFolder.Identity who, boolean fresh, boolean force) throws IOException {
        return RunFolder.open(folder, who, fresh, force, QUIET);
    }

    @Test
    void aFileIsRefusedAsARunFolder() throws IOException {
        Path file = Files.writeString(dir.resolve("afile"), "x");
        IOException e = assertThrows(IOException.class, () -> open(file, id, false, false));
        assertEquals("run folder " + file + " is a file, not a folder; --out names the folder a run writes into (it is created"
            + " when missing)", e.getMessage());
        IOException under = assertThrows(IOException.class, () -> open(file.resolve("sub"), id, false, false));
        assertTrue(under.getMessage().startsWith("cannot create the run folder " + file.resolve("sub")), under.getMessage());
    }

    @Test
    void aReadOnlyFolderIsRefusedBeforeAnythingRuns() throws IOException {
        Path ro = ProbeFolders.readOnly(dir);
        IOException e = assertThrows(IOException.class, () -> open(ro, id, false, false));
        assertTrue(e.getMessage().startsWith("cannot write into the run folder " + ro), e.getMessage());
    }

    @Test
    void theSameRunResumesAndAnotherIsRefusedUnlessFresh() throws IOException {
        Path out = dir.resolve("out");
        try (RunFolder f = open(out, id, false, false)) {
            Files.writeString(out.resolve("summary.json"), "{}");
        }
        try (RunFolder f = open(out, id, false, false)) {
            assertTrue(Files.exists(out.resolve("summary.json")), "the same run resumes: nothing is discarded");
        }
        RunFolder.Identity changed = RunFolder.Identity.of(tiny.withSeedCount(3), "1.0", VECTOR);
        IOException e = assertThrows(IOException.class, () -> open(out, changed, false, false));
        assertTrue(e.getMessage().contains("holds another run (spec 'tiny' (sha256 " + id.specSha256().substring(0, 12))
            && e.getMessage().contains("this run is spec 'tiny' (sha256 " + changed.specSha256().substring(0, 12))
            && e.getMessage().contains("--fresh"), e.getMessage());
        IOException version = assertThrows(IOException.class, () -> open(out, RunFolder.Identity.of(tiny, "2.0", VECTOR), false, false));
        assertTrue(version.getMessage().contains("version 1.0") && version.getMessage().contains("version 2.0"), version.getMessage());
        IOException kernels = assertThrows(IOException.class,
            () -> open(out, RunFolder.Identity.of(tiny, "1.0", new Backend("scalar", 1)), false, false));
        assertTrue(kernels.getMessage().contains("scalar kernels"), kernels.getMessage());
        try (RunFolder f = open(out, changed, true, false)) {
            assertFalse(Files.exists(out.resolve("summary.json")), "--fresh discards the earlier run");
        }
    }

    @Test
    void aFolderWithOtherFilesIsRefusedUnlessForceWhichReplacesOnlyARunsFiles() throws IOException {
        Path out = Files.createDirectories(dir.resolve("other"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        Files.writeString(out.resolve("summary.json"), "{\"name\": \"someone else's\"}");
        Files.createDirectories(out.resolve("logs"));
        Files.writeString(out.resolve("logs/stale-seed1.jsonl"), "{}");
        IOException e = assertThrows(IOException.class, () -> open(out, id, false, false));
        assertTrue(e.getMessage().contains("holds files that are not an AlignGuard run (logs, notes.txt, summary.json; no run.json)")
            && e.getMessage().contains("--force"), e.getMessage());
        try (RunFolder f = open(out, id, false, true)) {
            assertEquals("mine", Files.readString(out.resolve("notes.txt")), "other files are left alone");
            assertFalse(Files.exists(out.resolve("summary.json")));
            assertFalse(Files.exists(out.resolve("logs/stale-seed1.jsonl")), "no stale logs");
        }
    }

    @Test
    void aFolderInUseIsRefused() throws IOException {
        Path out = dir.resolve("busy");
        try (RunFolder f = open(out, id, false, false)) {
            IOException e = assertThrows(IOException.class, () -> open(out, id, false, false));
            assertTrue(e.getMessage().contains("is in use by another alignguard run"), e.getMessage());
        }
        open(out, id, false, false).close(); // released
    }

    @Test
    void theDefaultFolderPassesOverAnotherRunsFolder() throws IOException {
        Path results = dir.resolve("results");
        assertEquals(results.resolve("tiny"), RunFolder.defaultFolder(results, "tiny", id));
        RunFolder.Identity other = RunFolder.Identity.of(tiny.withSeedCount(2), "1.0", VECTOR);
        try (RunFolder f = open(results.resolve("tiny"), other, false, false)) {
            f.markFinished();
        }
        assertEquals(results.resolve("tiny-2"), RunFolder.defaultFolder(results, "tiny", id), "a finished different run is kept");
        open(results.resolve("tiny-2"), id, false, false).close();
        assertEquals(results.resolve("tiny-2"), RunFolder.defaultFolder(results, "tiny", id), "and the same run is found again");
        assertEquals(results.resolve("tiny"), RunFolder.defaultFolder(results, "tiny", other));
    }

    @Test
    void temporaryFilesLeftByAKillAreRemovedWhenTheFolderIsOpened() throws IOException {
        Path out = dir.resolve("killed");
        open(out, id, false, false).close();
        Files.createDirectories(out.resolve("logs"));
        Files.writeString(out.resolve("logs/lora-seed1.jsonl.tmp"), "{\"step\": 0}\n");
        Files.createDirectories(out.resolve("trials"));
        Files.writeString(out.resolve("trials/.abc.safetensors.0123.tmp"), "half");
        Files.createDirectories(out.resolve("bases/k/.unaligned.tmp"));
        Files.writeString(out.resolve(".summary.json.77.tmp"), "half");
        open(out, id, false, false).close();
        try (var s = Files.walk(out)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }
    }

    @Test
    void aTrialIsKnownByItsContentNotItsPosition() {
        List<Trial> trials = Study.expand(tiny);
        Trial lora1 = trials.getFirst();
        String key = RunFolder.trialKey(lora1, "1.0", "vector");
        Trial moved = lora1.withIndex(99);
        assertEquals(key, RunFolder.trialKey(moved, "1.0", "vector"), "the index does not matter");
        ExperimentSpec fewerMethods = new ExperimentSpec(tiny.name(), tiny.description(), tiny.baseSeeds(), tiny.finetuneSeeds(),
            tiny.world(), tiny.model(), tiny.pretrain(), tiny.align(), tiny.finetune(), tiny.fisher(), List.of(tiny.methods().getFirst()),
            List.of(), null, null);
        assertEquals(key, RunFolder.trialKey(Study.expand(fewerMethods).getFirst(), "1.0", "vector"), "nor the other methods");
        Trial otherBase = trials.stream().filter(t -> t.method().equals(lora1.method()) && t.baseSeed() != lora1.baseSeed())
            .findFirst().orElseThrow();
        assertNotEquals(key, RunFolder.trialKey(otherBase, "1.0", "vector"), "another base seed");
        assertNotEquals(key, RunFolder.trialKey(new Trial(0, lora1.spec(), lora1.method(), lora1.strength(), lora1.baseSeed(), 99),
            "1.0", "vector"), "another fine-tune seed");
        assertNotEquals(key, RunFolder.trialKey(lora1, "1.1", "vector"), "another version");
        assertNotEquals(key, RunFolder.trialKey(lora1, "1.0", "scalar"), "other kernels");
        Trial ag = trials.stream().filter(t -> t.method().name().equals("alignguard")).findFirst().orElseThrow();
        assertNotEquals(RunFolder.trialKey(ag, "1.0", "vector"),
            RunFolder.trialKey(new Trial(2, ag.spec(), ag.method(), 0.2, ag.baseSeed(), ag.seed()), "1.0", "vector"),
            "another strength");
        ExperimentSpec moreSteps = tiny
            .withOverrides(Map.of("finetune.training.steps", com.fasterxml.jackson.databind.node.IntNode.valueOf(13)));
        assertNotEquals(key, RunFolder.trialKey(new Trial(0, moreSteps, lora1.method(), lora1.strength(), lora1.baseSeed(),
            lora1.seed()), "1.0", "vector"), "another setting");
    }

    @Test
    void aStoredOutcomeReadsBackBitForBitAndAFailureIsNotStored() throws IOException {
        Path out = dir.resolve("store");
        Trial t = Study.expand(tiny).get(2);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("refusal_unsafe", 0.1 + 0.2);
        metrics.put("drift_reduction", Double.NaN);
        metrics.put("alignment_nll", Math.nextUp(1.0));
        TrialRecord record = new TrialRecord("alignguard", "alignguard", 0.1, 7, 1, metrics, Map.of("task_accuracy", 0.75),
            List.of(new CurvePoint(0, 0.5, 0.25, 1e-300, Float.NaN)), 1.25, "logs/alignguard-0.1-base7-seed1.jsonl", null,
            "vector", Map.of("norm_dw_a", 1e-3), List.of(4, 9));
        Map<String, float[]> updates = new LinkedHashMap<>();
        updates.put("model.layers.0.self_attn.v_proj", new float[] {Float.MIN_VALUE, -0f, 3.4e38f});
        updates.put("model.layers.0.self_attn.q_proj", new float[] {1f / 3});
        try (RunFolder f = open(out, id, false, false)) {
            assertNull(f.storedOutcome(t));
            f.store(t, new TrialRunner.Outcome(record, updates));
            Trial failedTrial = Study.expand(tiny).get(3);
            f.store(failedTrial, LocalExecutor.failure(failedTrial, new IllegalStateException("boom"), 0));
            assertNull(f.storedOutcome(failedTrial), "a failed trial is tried again by a resumed run");
        }
        try (RunFolder f = open(out, id, false, false)) {
            TrialRunner.Outcome back = f.storedOutcome(t);
            assertEquals(record.metrics().keySet(), back.record().metrics().keySet());
            for (String k : metrics.keySet()) {
                assertEquals(Double.doubleToRawLongBits(metrics.get(k)), Double.doubleToRawLongBits(back.record().metrics().get(k)), k);
            }
            assertEquals(record.curve(), back.record().curve());
            assertEquals(record.log(), back.record().log());
            assertEquals(record.validation(), back.record().validation());
            assertEquals(record.lastStep(), back.record().lastStep());
            assertEquals(record.reprojections(), back.record().reprojections());
            assertEquals(record.baseSeed(), back.record().baseSeed());
            assertEquals(List.copyOf(updates.keySet()), List.copyOf(back.finalAlignmentUpdates().keySet()), "layer order kept");
            for (String layer : updates.keySet()) {
                assertArrayEquals(updates.get(layer), back.finalAlignmentUpdates().get(layer), layer);
            }
        }
        Path file;
        try (var s = Files.list(out.resolve("trials"))) {
            file = s.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        }
        Files.write(file, new byte[] {1, 2, 3});
        try (RunFolder f = open(out, id, false, false)) {
            assertNull(f.storedOutcome(t), "an unreadable stored trial is run again");
            assertFalse(Files.exists(file));
        }
    }

    /** {@link ProbeFolders} for the probe in another package. */
    public static final class ProbeFoldersAccess {

        private ProbeFoldersAccess() {
        }

        public static Path readOnly(Path parent) throws IOException {
            return ProbeFolders.readOnly(parent);
        }
    }

    /** Folders the probes need. */
    static final class ProbeFolders {

        private ProbeFolders() {
        }

        /**
         * An existing folder this process cannot write into: a folder made read-only, or (for root,
         * whom permissions do not stop) a read-only system folder; the test is skipped where neither exists.
         */
        static Path readOnly(Path parent) throws IOException {
            Path ro = Files.createDirectories(parent.resolve("read-only"));
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
            if (!canCreateIn(ro)) {
                return ro;
            }
            for (String candidate : List.of("/sys/kernel", "/proc/self")) {
                Path p = Path.of(candidate);
                if (Files.isDirectory(p) && !canCreateIn(p)) {
                    return p;
                }
            }
            org.junit.jupiter.api.Assumptions.abort("no folder here refuses writes to this process");
            return null;
        }

        private static boolean canCreateIn(Path folder) {
            Path probe = folder.resolve(".write-probe");
            try {
                Files.createFile(probe);
                Files.delete(probe);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
