package dev.alignguard.experiments.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.model.safetensors.InputLimits;

/** Reading a spec file: data paths relative to the spec's folder, the input limits, the refusals. */
class ExperimentSpecReadTest {

    @TempDir
    Path dir;

    private static String tinyWithData(String data) throws IOException {
        ObjectNode tree = (ObjectNode) ExperimentSpec.JSON.readTree(Path.of("src/test/resources/tiny-study.json").toFile());
        tree.set("data", ExperimentSpec.JSON.readTree(data));
        return tree.toString();
    }

    @Test
    void relativeDataPathsAreResolvedAgainstTheSpecFolder() throws IOException {
        Path absolute = dir.resolve("abs/eval.jsonl").toAbsolutePath();
        Path file = Files.createDirectories(dir.resolve("specs/a")).resolve("study.json");
        Files.writeString(file, tinyWithData("{\"finetune\": \"../data/ft.jsonl\", \"evaluation\": \"" + absolute
            + "\", \"refusal_markers\": [\"sorry\"]}"));
        DataSpec data = ExperimentSpec.read(file).data();
        assertEquals(dir.resolve("specs/data/ft.jsonl").toAbsolutePath().normalize().toString(), data.finetune());
        assertEquals(absolute.toString(), data.evaluation(), "absolute paths are kept");
        assertEquals(java.util.List.of("sorry"), data.refusalMarkers());
        assertEquals(null, data.pretrain());
    }

    @Test
    void aSpecGivenAsTextKeepsItsPathsRelativeToTheWorkingDirectory() throws IOException {
        String json = tinyWithData("{\"finetune\": \"data/ft.jsonl\"}");
        ExperimentSpec spec = ExperimentSpec.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "text");
        assertEquals("data/ft.jsonl", spec.data().finetune());
        assertEquals(Path.of("data/ft.jsonl").toAbsolutePath().normalize(), spec.data().resolvedFiles().get("finetune"));
    }

    @Test
    void aSpecOverTheDocumentLimitIsRefusedBeforeItIsRead() throws IOException {
        Path file = dir.resolve("huge.json");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(InputLimits.JSON_MAX_DOCUMENT_BYTES + 1); // sparse: nothing is written
        }
        SpecFormatException e = assertThrows(SpecFormatException.class, () -> ExperimentSpec.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("JSON_MAX_DOCUMENT_BYTES"), e.getMessage());
    }

    @Test
    void deepNestingAndDuplicateKeysAreRefusedNamingTheFile() throws IOException {
        Path deep = dir.resolve("deep.json");
        Files.writeString(deep, tinyWithData("{}").replaceFirst("\"kind\": ?\"lora\"",
            "\"kind\": \"lora\", \"params\": {\"x\": " + "[".repeat(200) + "]".repeat(200) + "}"));
        SpecFormatException e = assertThrows(SpecFormatException.class, () -> ExperimentSpec.read(deep));
        assertTrue(e.getMessage().contains(deep.toString()) && e.getMessage().contains("input limit"), e.getMessage());

        Path twice = dir.resolve("twice.json");
        Files.writeString(twice, tinyWithData("{}").replaceFirst("\\{", "{\"name\": \"x\", "));
        SpecFormatException d = assertThrows(SpecFormatException.class, () -> ExperimentSpec.read(twice));
        assertTrue(d.getMessage().contains(twice.toString()) && d.getMessage().contains("Duplicate field 'name'"), d.getMessage());
    }
}
