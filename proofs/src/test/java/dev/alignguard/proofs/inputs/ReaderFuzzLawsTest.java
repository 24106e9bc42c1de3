package dev.alignguard.proofs.inputs;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.alignguard.model.safetensors.InputFormatException;
import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.JsonMappers;
import dev.alignguard.proofs.harness.LawTags;

/**
 * The fuzz laws themselves can fail: on a reader that lets a {@code NumberFormatException} out, one
 * that fails on a zero byte, one that names the wrong file, and one that refuses everything; and they
 * pass on the same reader written correctly.
 */
@Tag(LawTags.HARNESS)
class ReaderFuzzLawsTest {

    @TempDir
    static Path dir;

    static final class FakeFormatException extends InputFormatException {
        private static final long serialVersionUID = 1L;

        FakeFormatException(Path file, String problem) {
            super(file + ": " + problem, file, problem);
        }
    }

    /** A reader of {@code {"n": "<an int>"}}; the flags make it wrong in one way each. */
    @Tag(LawTags.HARNESS) // a fixture (instantiated by the tests above), not laws of a reader
    record Fake(boolean numberFormatEscapes, boolean zeroByteFails, boolean namesAnotherFile, boolean refusesAll)
        implements
            ReaderFuzzLaws {

        @Override
        public List<byte[]> validFiles() {
            return List.of("{\"n\": \"5\", \"m\": [1, 2]}".getBytes(StandardCharsets.UTF_8),
                "{\"n\": \"-7\"}".getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Path place(byte[] content) throws Exception {
            return Files.write(dir.resolve("fake.json"), content);
        }

        @Override
        public void read(Path input) throws Exception {
            byte[] bytes = Files.readAllBytes(input);
            if (zeroByteFails && bytes.length > 0 && bytes[0] == 0) {
                throw new IllegalStateException("a zero byte");
            }
            Path named = namesAnotherFile ? Path.of("/elsewhere/fake.json") : input;
            if (refusesAll) {
                throw new FakeFormatException(named, "refused");
            }
            String text = InputLimits.utf8(bytes);
            if (text == null) {
                throw new FakeFormatException(named, "not UTF-8");
            }
            JsonNode n;
            try {
                n = JsonMappers.mapper().readTree(text);
            } catch (JacksonException e) {
                throw new FakeFormatException(named, JsonMappers.describe(e));
            }
            if (n == null || !n.isObject() || !n.path("n").isTextual()) {
                throw new FakeFormatException(named, "no \"n\"");
            }
            try {
                Integer.parseInt(n.get("n").textValue());
            } catch (NumberFormatException e) {
                if (numberFormatEscapes) {
                    throw e;
                }
                throw new FakeFormatException(named, "\"n\" is not an int");
            }
        }

        @Override
        public Class<? extends InputFormatException> refusal() {
            return FakeFormatException.class;
        }

        @Override
        public int randomExamples() {
            return 300;
        }

        @Override
        public int mutatedExamples() {
            return 300;
        }
    }

    @Test
    void aCorrectReaderPasses() throws Exception {
        Fake ok = new Fake(false, false, false, false);
        ok.validFilesRead();
        ok.randomBytesAreReadOrRefusedWithTheFormatsOwnError();
        ok.mutatedValidFilesReadOrAreRefusedWithTheFormatsOwnError();
    }

    @Test
    void anEscapingNumberFormatExceptionFalsifiesTheMutatedLaw() {
        AssertionError e = assertThrows(AssertionError.class,
            () -> new Fake(true, false, false, false).mutatedValidFilesReadOrAreRefusedWithTheFormatsOwnError());
        assertTrue(e.getMessage().contains("NumberFormatException"), e.getMessage());
    }

    @Test
    void anExceptionOnRandomBytesFalsifiesTheRandomLaw() {
        AssertionError e = assertThrows(AssertionError.class,
            () -> new Fake(false, true, false, false).randomBytesAreReadOrRefusedWithTheFormatsOwnError());
        assertTrue(e.getMessage().contains("IllegalStateException"), e.getMessage());
    }

    @Test
    void aRefusalNamingAnotherFileFalsifiesTheLaws() {
        AssertionError e = assertThrows(AssertionError.class,
            () -> new Fake(false, false, true, false).randomBytesAreReadOrRefusedWithTheFormatsOwnError());
        assertTrue(e.getMessage().contains("does not name its file"), e.getMessage());
    }

    @Test
    void aReaderThatRefusesEverythingFailsTheMutatedLawAndTheValidFiles() {
        Fake all = new Fake(false, false, false, true);
        AssertionError m = assertThrows(AssertionError.class, all::mutatedValidFilesReadOrAreRefusedWithTheFormatsOwnError);
        assertTrue(m.getMessage().contains("0 read"), m.getMessage());
        assertThrows(AssertionError.class, all::validFilesRead);
    }
}
