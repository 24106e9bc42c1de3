package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.cli.AlignGuardCli;
import dev.alignguard.experiments.spec.ExperimentSpec;

/**
 * Issue 11, item 6: a run killed with SIGKILL, once in the middle of base training and once in the
 * middle of the trials, and started again with the same command, ends with the summary.json of an
 * uninterrupted run, bit for bit (wall times aside); the restarts reload what was finished.
 *
 * <p>The killed runs are {@code alignguard run} in a JVM of their own (the same java, this test's
 * class path), killed with {@link Process#destroyForcibly()} once a marker appears in the run folder:
 * the first checkpoint of pretraining, then three of the six trials stored.
 */
class ResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The tiny study with a longer pretraining checkpointed every 10 steps, three methods, one base, two fine-tune seeds. */
    private Path spec() throws IOException {
        ObjectNode s = (ObjectNode) JSON.readTree(Path.of("src/test/resources/tiny-study.json").toFile());
        ((ObjectNode) s.get("pretrain")).put("steps", 150).put("checkpoint_every", 10);
        ((ObjectNode) s.get("align")).put("checkpoint_every", 10);
        ((ObjectNode) s.get("finetune").get("training")).put("steps", 24);
        var methods = s.withArray("methods");
        var kept = JSON.createArrayNode().add(methods.get(0)).add(methods.get(1)).add(methods.get(4));
        s.set("methods", kept);
        s.put("name", "resume");
        s.putArray("base_seeds").add(7);
        s.putArray("finetune_seeds").add(1).add(2);
        Path file = dir.resolve("resume.json");
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s));
        return file;
    }

    @Test
    void aRunKilledDuringBaseTrainingAndDuringTheTrialsEndsBitIdenticalToAnUninterruptedOne() throws Exception {
        Path spec = spec();
        String key = BaseModelCache.key(ExperimentSpec.read(spec), ExperimentSpec.read(spec).firstBaseSeed());

        long t0 = System.nanoTime();
        Run reference = inProcess("run", spec.toString(), "--out", dir.resolve("reference").toString(), "--workers", "2");
        double freshSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, reference.code(), reference.out());

        Path out = dir.resolve("killed");
        Path checkpoint = out.resolve("bases").resolve(key).resolve("checkpoints").resolve("pretrain.safetensors");
        String first = killWhen(out, spec, () -> Files.exists(checkpoint));
        assertTrue(Files.exists(checkpoint), first);
        assertFalse(Files.exists(out.resolve("bases").resolve(key).resolve("unaligned")), "killed before pretraining ended:\n" + first);

        String second = killWhen(out, spec, () -> storedTrials(out) >= 3);
        assertTrue(second.contains("pretrain resumed at step "), "the restart continued pretraining from its checkpoint:\n" + second);
        int stored = storedTrials(out);
        assertTrue(stored >= 3 && stored < 6, stored + " of 6 trials stored when killed\n" + second);
        assertFalse(Files.exists(out.resolve("summary.json")));

        long t1 = System.nanoTime();
        Run resumed = inProcess("run", spec.toString(), "--out", out.toString(), "--workers", "1");
        double resumedSeconds = (System.nanoTime() - t1) / 1e9;
        assertEquals(0, resumed.code(), resumed.out());
        assertTrue(resumed.out().contains("pretrain loaded from ") && resumed.out().contains("align loaded from "), resumed.out());
        assertTrue(resumed.out().contains("(" + stored + " trial(s) kept from an earlier run, " + (6 - stored) + " run now)"),
            resumed.out());
        JsonNode expected = numbers(dir.resolve("reference/summary.json")), actual = numbers(out.resolve("summary.json"));
        assertTrue(expected.equals(actual), () -> "the resumed run's summary differs from the uninterrupted run's at "
            + firstDifference(expected, actual, ""));
        try (Stream<Path> files = Files.walk(out)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }
        System.out.printf(Locale.ROOT, "ResumeTest: uninterrupted run %.1f s (in-process, 2 workers); resumed run with %d of 6"
            + " trials stored %.1f s (in-process, 1 worker)%n", freshSeconds, stored, resumedSeconds);
    }

    /** The summary without what may differ between runs: wall times and the git commit. */
    static JsonNode numbers(Path summary) throws IOException {
        ObjectNode s = (ObjectNode) JSON.readTree(summary.toFile());
        s.remove(List.of("wall_seconds", "git_commit"));
        for (String list : List.of("trials", "failures")) {
            for (JsonNode t : s.withArray(list)) {
                ((ObjectNode) t).remove("seconds");
            }
        }
        return s;
    }

    /** Where two JSON trees first differ, with both values. */
    static String firstDifference(JsonNode a, JsonNode b, String path) {
        if (a.isObject() && b.isObject()) {
            for (var it = a.fieldNames(); it.hasNext();) {
                String f = it.next();
                if (!b.has(f)) {
                    return path + "." + f + " (missing from the second)";
                }
                String d = firstDifference(a.get(f), b.get(f), path + "." + f);
                if (d != null) {
                    return d;
                }
            }
            return a.size() == b.size() ? null : path + " (the second has more fields)";
        }
        if (a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                String d = firstDifference(a.get(i), b.get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return a.equals(b) ? null : path + ": " + a + " vs " + b;
    }

    private static int storedTrials(Path out) {
        try (Stream<Path> s = Files.list(out.resolve("trials"))) {
            return (int) s.filter(p -> p.getFileName().toString().endsWith(".safetensors")
                && !p.getFileName().toString().startsWith(".")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Starts {@code alignguard run} in a JVM of its own and kills it (SIGKILL) once {@code marker} holds; returns its output. */
    private String killWhen(Path out, Path spec, BooleanSupplier marker) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-modules",
            "jdk.incubator.vector", "-Xmx1g", "-cp", System.getProperty("java.class.path"), AlignGuardCli.class.getName(),
            "run", spec.toString(), "--out", out.toString(), "--workers", "1", "--backend", "vector"));
        Path log = Files.createTempFile(dir, "child", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!marker.getAsBoolean()) {
                if (!p.isAlive()) {
                    throw new AssertionError("the run ended before it could be killed (exit " + p.exitValue() + "):\n"
                        + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no marker within 120 s:\n" + Files.readString(log));
                }
                Thread.sleep(2);
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        return Files.readString(log);
    }

    record Run(int code, String out) {
    }

    /** The command line in this JVM, its standard output and error captured. */
    static Run inProcess(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        java.io.StringWriter err = new java.io.StringWriter();
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            var cli = AlignGuardCli.commandLine(new AlignGuardCli());
            cli.setErr(new java.io.PrintWriter(err, true));
            int code = cli.execute(args);
            return new Run(code, buffer.toString(StandardCharsets.UTF_8) + err);
        } finally {
            System.setOut(saved);
        }
    }
}
