package dev.alignguard.experiments.world;

import dev.alignguard.experiments.spec.WorldSpec;
import dev.alignguard.model.safetensors.InputLimits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonlDatasetTest {

    @TempDir
    Path dir;

    @Test
    void worldDatasetsRoundTrip() throws IOException {
        World w = World.generate(WorldSpec.tiny(), 4);
        for (Dataset d : List.of(w.pretrain(), w.align(), w.finetune(new FinetuneOptions(0.3, 0.2)),
            w.evaluation().unsafe(), w.evaluation().safe(), w.evaluation().taskTest())) {
            Path f = dir.resolve(d.name() + ".jsonl");
            JsonlDataset.write(f, d);
            Dataset back = JsonlDataset.read(f);
            assertEquals(d.examples(), back.examples(), d.name());
            assertEquals(d.name() + ".jsonl", back.name());
            assertEquals(d.size(), Files.readAllLines(f).size());
        }
    }

    @Test
    void writesTheDocumentedFieldsAndReadsMinimalLines() throws IOException {
        Path f = dir.resolve("d.jsonl");
        Example full = new Example("<bos> a b ? <sep>", "c <eos>", Label.UNSAFE, "hate", "eval", "d <eos>", true, false);
        JsonlDataset.write(f, List.of(full, Example.of("p", "r", Label.SAFE)));
        List<String> lines = Files.readAllLines(f);
        assertEquals("{\"prompt\":\"<bos> a b ? <sep>\",\"response\":\"c <eos>\",\"label\":\"unsafe\",\"category\":\"hate\","
            + "\"split\":\"eval\",\"compliant_response\":\"d <eos>\",\"object_seen\":true,\"verb_seen\":false}", lines.get(0));
        assertEquals("{\"prompt\":\"p\",\"response\":\"r\",\"label\":\"safe\"}", lines.get(1));

        Files.writeString(f, "\n{\"prompt\": \"x\", \"response\": \"y\", \"label\": \"safe\", \"id\": 7, \"category\": null}\n   \n"
            + "{\"prompt\": \"u\", \"response\": \"v\", \"label\": \"unsafe\"}");
        Dataset d = JsonlDataset.read(f);
        assertEquals(2, d.size());
        assertEquals(Example.of("x", "y", Label.SAFE), d.get(0));
        assertNull(d.get(0).category());
        assertEquals(Label.UNSAFE, d.get(1).label());
    }

    @Test
    void aLabelledFileBecomesAnEvaluationSuite() throws IOException {
        World w = World.generate(WorldSpec.tiny(), 4);
        List<Example> mixed = new java.util.ArrayList<>(w.evaluation().unsafe().examples());
        mixed.addAll(w.evaluation().safe().examples());
        Path f = dir.resolve("driftcheck.jsonl");
        JsonlDataset.write(f, mixed);
        EvalSuite suite = EvalSuite.split(JsonlDataset.read(f), w.evaluation().taskTest());
        assertEquals(w.evaluation().unsafe().examples(), suite.unsafe().examples());
        assertEquals(w.evaluation().safe().examples(), suite.safe().examples());
        // a tokenizer built from a user file covers it
        var tok = dev.alignguard.model.tokenizer.WordTokenizer.fromCorpus(JsonlDataset.read(f).texts(), World.REFUSE);
        assertEquals(mixed.size(), JsonlDataset.read(f).sequences(tok).size());
    }

    @Test
    void writingIsAtomicAndReplaces() throws IOException {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, "old content that is not JSON\n");
        JsonlDataset.write(f, List.of(Example.of("p", "r", Label.SAFE)));
        assertEquals(1, JsonlDataset.read(f).size());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file is left behind");
        }
        assertThrows(IOException.class, () -> JsonlDataset.write(dir.resolve("missing/d.jsonl"), List.of()));
    }

    static Stream<Arguments> badLines() {
        String ok = "{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\"}";
        return Stream.of(
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\"", null, "invalid JSON"),
            Arguments.of("{\"prompt\": \"p\"} trailing", null, "invalid JSON"),
            Arguments.of("[1, 2]", null, "not a JSON object (got an array)"),
            Arguments.of("\"text\"", null, "not a JSON object (got a string)"),
            Arguments.of("{\"response\": \"r\", \"label\": \"safe\"}", "prompt", "missing"),
            Arguments.of("{\"prompt\": null, \"response\": \"r\", \"label\": \"safe\"}", "prompt", "missing"),
            Arguments.of("{\"prompt\": 3, \"response\": \"r\", \"label\": \"safe\"}", "prompt", "must be a string, got a number"),
            Arguments.of("{\"prompt\": \"  \", \"response\": \"r\", \"label\": \"safe\"}", "prompt", "is empty"),
            Arguments.of("{\"prompt\": \"p\", \"label\": \"safe\"}", "response", "missing"),
            Arguments.of("{\"prompt\": \"p\", \"response\": [\"r\"], \"label\": \"safe\"}", "response", "must be a string, got an array"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\"}", "label", "missing"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"harmful\"}", "label", "unknown label 'harmful'"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"SAFE\"}", "label", "unknown label 'SAFE'"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\", \"label\": true}", "label", "must be a string, got a boolean"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\", \"category\": 5}", "category", "must be a string"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\", \"split\": {}}", "split",
                "must be a string, got an object"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\", \"compliant_response\": 1}", "compliant_response",
                "must be a string"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\", \"object_seen\": \"yes\"}", "object_seen",
                "must be a boolean, got a string"),
            Arguments.of("{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\", \"verb_seen\": 1}", "verb_seen",
                "must be a boolean, got a number"),
            Arguments.of("{\"prompt\": \"p\", \"prompt\": \"q\", \"response\": \"r\", \"label\": \"safe\"}", null, "invalid JSON"))
            .map(a -> Arguments.of(ok, a.get()[0], a.get()[1], a.get()[2]));
    }

    @ParameterizedTest
    @MethodSource("badLines")
    void aBadLineIsReportedWithFileLineAndField(String ok, String bad, String field, String problem) throws IOException {
        Path f = dir.resolve("bad.jsonl");
        // line 1 good, line 2 blank (still counted), line 3 good, line 4 bad
        Files.writeString(f, ok + "\n\n" + ok + "\n" + bad + "\n" + ok + "\n");
        JsonlFormatException e = assertThrows(JsonlFormatException.class, () -> JsonlDataset.read(f));
        assertEquals(f, e.file());
        assertEquals(4, e.line());
        assertEquals(field, e.field());
        assertTrue(e.problem().contains(problem), e.problem());
        assertTrue(e.getMessage().startsWith(f + ":4: "), e.getMessage());
        if (field != null) {
            assertTrue(e.getMessage().contains("field '" + field + "'"), e.getMessage());
        }
    }

    @Test
    void invalidUtf8IsReportedWithItsLine() throws IOException {
        Path f = dir.resolve("latin1.jsonl");
        byte[] good = "{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 'p', (byte) 0xE9, '"', '}', '\n'};
        byte[] all = new byte[good.length + bad.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(bad, 0, all, good.length, bad.length);
        Files.write(f, all);
        JsonlFormatException e = assertThrows(JsonlFormatException.class, () -> JsonlDataset.read(f));
        assertEquals(2, e.line());
        assertTrue(e.problem().contains("UTF-8"));
    }

    @Test
    void aLineLongerThanTheLimitIsRefusedWhileItIsBeingRead() throws IOException {
        String ok = "{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\"}";
        Path f = dir.resolve("long.jsonl");
        String atLimit = "{\"prompt\": \"p\", \"response\": \"r\", \"label\": \"safe\", \"note\": \"\"}";
        atLimit = atLimit.replace("\"note\": \"\"",
            "\"note\": \"" + "x".repeat(InputLimits.JSONL_MAX_LINE_BYTES - atLimit.length()) + "\"");
        Files.writeString(f, ok + "\n" + atLimit + "\r\n" + ok + "\n");
        assertEquals(3, JsonlDataset.read(f).size(), "a line of exactly the limit (and its \\r) is read");
        Files.writeString(f, ok + "\n" + "x".repeat(3 * InputLimits.JSONL_MAX_LINE_BYTES)); // no line break at all
        JsonlFormatException e = assertThrows(JsonlFormatException.class, () -> JsonlDataset.read(f));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().startsWith(f + ":2: ") && e.getMessage().contains("JSONL_MAX_LINE_BYTES"), e.getMessage());
    }

    @Test
    void moreLinesThanTheLimitAreRefused() throws IOException {
        Path f = dir.resolve("many.jsonl");
        byte[] blank = new byte[(int) InputLimits.JSONL_MAX_LINES];
        java.util.Arrays.fill(blank, (byte) '\n');
        Files.write(f, blank);
        assertEquals(0, JsonlDataset.read(f).size(), "the limit itself is accepted (blank lines count)");
        Files.write(f, "\n".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
        JsonlFormatException e = assertThrows(JsonlFormatException.class, () -> JsonlDataset.read(f));
        assertEquals(InputLimits.JSONL_MAX_LINES + 1, e.line());
        assertTrue(e.getMessage().contains("JSONL_MAX_LINES"), e.getMessage());
    }
}
