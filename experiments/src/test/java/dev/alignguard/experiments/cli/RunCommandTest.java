package dev.alignguard.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code alignguard run} and {@code alignguard methods} as a user calls them. */
class RunCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run alignguard(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = AlignGuardCli.commandLine(new AlignGuardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** The tiny test study cut to one seed and the given methods (by index in its method list). */
    private Path tinySpec(String name, int... methods) throws IOException {
        ObjectNode spec = (ObjectNode) JSON.readTree(Path.of("src/test/resources/tiny-study.json").toFile());
        spec.putArray("finetune_seeds").add(1);
        spec.putArray("base_seeds").add(7);
        var all = spec.withArray("methods");
        var kept = JSON.createArrayNode();
        for (int i : methods) {
            kept.add(all.get(i));
        }
        spec.set("methods", kept);
        spec.put("name", name);
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(spec));
        return file;
    }

    @Test
    void aMisspelledMethodParameterStopsTheRunNamingTheKey() throws IOException {
        Path spec = tinySpec("typo", 0, 1);
        ObjectNode tree = (ObjectNode) JSON.readTree(spec.toFile());
        ((ObjectNode) tree.withArray("methods").get(1)).putObject("params").put("lamda_t", 0.5);
        Files.writeString(spec, tree.toString());
        Run r = alignguard("run", spec.toString(), "--out", dir.resolve("out").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("typo.json"), r.err());
        assertTrue(r.err().contains("unknown parameter 'lamda_t'"), r.err());
        assertTrue(r.err().contains("lambda_t"), r.err());
        assertTrue(!Files.exists(dir.resolve("out/summary.json")), "nothing ran");
    }

    @Test
    void theChosenBackendRunsEveryTrialAndIsRecorded() throws IOException {
        Path spec = tinySpec("on-scalar", 0, 1);
        Path out = dir.resolve("scalar");
        Run r = alignguard("run", spec.toString(), "--out", out.toString(), "--backend", "scalar", "--workers", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals("scalar", summary.get("backend").get("name").asText());
        assertEquals(2, summary.get("trials").size());
        for (JsonNode t : summary.get("trials")) {
            assertEquals("scalar", t.get("kernels").asText(), "trial " + t.get("method") + " ran on the chosen kernels");
        }
        assertTrue(Files.readString(out.resolve("report.md")).contains("scalar"), "the report says which kernels ran");

        Path vecOut = dir.resolve("vector");
        r = alignguard("run", spec.toString(), "--out", vecOut.toString(), "--backend", "vector", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode v = JSON.readTree(vecOut.resolve("summary.json").toFile());
        assertEquals("vector", v.get("backend").get("name").asText());
        assertEquals(2, v.get("backend").get("threads").asInt());
        for (JsonNode t : v.get("trials")) {
            assertEquals("vector", t.get("kernels").asText());
        }
    }

    @Test
    void anUnknownBackendIsRefusedBeforeAnythingRuns() throws IOException {
        Run r = alignguard("run", tinySpec("nope", 0).toString(), "--out", dir.resolve("x").toString(), "--backend", "gpu");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("unknown kernel backend 'gpu'"), r.err());
    }

    @Test
    void dataPathsAreResolvedAgainstTheSpecFolderAndPrintedAsResolved() throws IOException {
        Path spec = tinySpec("with-data", 0);
        Path moved = Files.createDirectories(dir.resolve("elsewhere")).resolve("with-data.json");
        ObjectNode tree = (ObjectNode) JSON.readTree(spec.toFile());
        tree.putObject("data").put("finetune", "data/task.jsonl"); // relative: to elsewhere/, not the working directory
        Files.writeString(moved, tree.toString());
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        Run r;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8)); // the run prints there
        try {
            r = alignguard("run", moved.toString(), "--out", dir.resolve("out").toString(), "--workers", "1");
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        Path expected = dir.resolve("elsewhere/data/task.jsonl").toAbsolutePath().normalize();
        assertTrue(out.contains("data finetune: " + expected + System.lineSeparator()), out);
        assertNotEquals(0, r.code(), "the file does not exist");
        assertTrue(r.err().contains(expected.toString()), "the error names the resolved file: " + r.err());
    }

    @Test
    void methodsListsEveryKind() {
        Run r = alignguard("methods");
        assertEquals(0, r.code(), r.err());
        for (String kind : new String[] {"lora", "l2", "ewc", "alignguard", "alignguard_adaptive", "random_subspace",
            "hard_projection", "safe_lora"}) {
            assertTrue(r.out().contains(kind + " — "), kind + " in\n" + r.out());
        }
    }
}
