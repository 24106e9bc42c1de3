package dev.alignguard.proofs.model;

import static org.quicktheories.generators.SourceDSL.booleans;

import dev.alignguard.model.safetensors.DType;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.SafetensorsFormatException;
import dev.alignguard.model.safetensors.StoredTensor;
import dev.alignguard.proofs.gen.CorruptSafetensors;
import dev.alignguard.proofs.gen.CorruptSafetensors.Corruption;
import dev.alignguard.proofs.gen.CorruptSafetensors.FlipData;
import dev.alignguard.proofs.gen.FileMutations;
import dev.alignguard.proofs.gen.SafetensorsFiles;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The safetensors reader's contract under hostile input: whatever is done to a valid file, reading it
 * either returns tensors that tile the file exactly, or throws {@link SafetensorsFormatException}
 * naming the file; never another exception, never a hang. Corrupting only data bytes is legal and
 * must still read. Random bytes (some after a plausible 8-byte length) likewise read consistently
 * or are refused. And writing then reading gives back bit-identical tensors and metadata.
 */
class SafetensorsCorruptionProperties {

    /** Reads are milliseconds; a read still running after this is a hang. */
    private static final long TIMEOUT_SECONDS = 10;

    private static Path dir;
    private static ExecutorService guard;
    private static final AtomicLong COUNTER = new AtomicLong();

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("safetensors-properties");
        guard = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "safetensors-read-guard");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void tearDown() throws IOException {
        guard.shutdownNow();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ------------------------------------------------------------------ properties

    @Test
    void writeThenReadIsBitIdentical() {
        Laws.qt(200).forAll(SafetensorsFiles.contents(), booleans().all())
            .checkAssert((content, mapped) -> Laws.unchecked(() -> writeThenRead(content, mapped)));
    }

    private static void writeThenRead(SafetensorsFile content, boolean mapped) throws Exception {
        Path file = newFile();
        Safetensors.write(file, content);
        SafetensorsFile read = guarded(() -> Safetensors.read(file, mapped ? 0 : Long.MAX_VALUE));
        assertEquals(content, read);
        assertEquals(content.metadata(), read.metadata());
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(Safetensors.encode(content), bytes, "file is the canonical encoding");
        assertArrayEquals(bytes, Safetensors.encode(read), "reading then encoding gives the same bytes");
        for (StoredTensor t : read.tensors().values()) {
            assertDecodesLikeRawBytes(t);
        }
        Files.delete(file);
    }

    @Test
    void corruptedFilesReadOrAreRefusedNamingTheFile() {
        Laws.qt(1000).forAll(SafetensorsFiles.contents(), CorruptSafetensors.corruptions(), booleans().all())
            .checkAssert((content, corruptions, mapped) -> Laws.unchecked(() -> readOrRefuse(content, corruptions, mapped)));
    }

    private static void readOrRefuse(SafetensorsFile content, List<Corruption> corruptions, boolean mapped) throws Exception {
        byte[] original = Safetensors.encode(content);
        byte[] corrupted = original;
        for (Corruption c : corruptions) {
            corrupted = c.apply(corrupted);
        }
        boolean dataOnly = corruptions.stream().allMatch(c -> c instanceof FlipData);
        Path file = newFile();
        Files.write(file, corrupted);
        Outcome outcome = readGuarded(file, mapped);
        if (outcome.read != null) {
            assertConsistent(outcome.read, corrupted);
        } else if (dataOnly) {
            fail("data-only corruption must still read, but: " + outcome.refusal.getMessage());
        }
        if (dataOnly) {
            assertArrayEquals(corrupted, Safetensors.encode(outcome.read), "tensors view the corrupted bytes, header unchanged");
            assertEquals(content.metadata(), outcome.read.metadata());
        }
        Files.delete(file);
    }

    @Test
    void randomBytesReadOrAreRefusedNamingTheFile() {
        Laws.qt(2000).forAll(FileMutations.randomBytes(), booleans().all())
            .checkAssert((c, mapped) -> Laws.unchecked(() -> {
                byte[] bytes = FileMutations.randomBytes(c.seed(), c.size());
                Path file = newFile();
                Files.write(file, bytes);
                Outcome outcome = readGuarded(file, mapped);
                if (outcome.read != null) {
                    assertConsistent(outcome.read, bytes);
                }
                Files.delete(file);
            }));
    }

    @Test
    void corruptingOnlyDataStillReads() {
        Laws.qt(200).forAll(SafetensorsFiles.contents(), CorruptSafetensors.dataFlips(), booleans().all())
            .checkAssert((content, flips, mapped) -> Laws.unchecked(() -> dataOnly(content, flips, mapped)));
    }

    private static void dataOnly(SafetensorsFile content, List<Corruption> flips, boolean mapped) throws Exception {
        byte[] corrupted = Safetensors.encode(content);
        for (Corruption c : flips) {
            corrupted = c.apply(corrupted);
        }
        Path file = newFile();
        Files.write(file, corrupted);
        Outcome outcome = readGuarded(file, mapped);
        if (outcome.read == null) {
            fail("data-only corruption must still read, but: " + outcome.refusal.getMessage());
        }
        assertArrayEquals(corrupted, Safetensors.encode(outcome.read), "re-encoding");
        assertEquals(content.tensors().keySet(), outcome.read.tensors().keySet());
        Files.delete(file);
    }

    // ------------------------------------------------------------------ checks

    private record Outcome(SafetensorsFile read, SafetensorsFormatException refusal) {
    }

    /** Reads under the hang guard; any exception but the format exception fails the property. */
    private static Outcome readGuarded(Path file, boolean mapped) throws Exception {
        try {
            return new Outcome(guarded(() -> Safetensors.read(file, mapped ? 0 : Long.MAX_VALUE)), null);
        } catch (SafetensorsFormatException e) {
            assertEquals(file, e.file());
            assertTrue(e.getMessage().contains(file.toString()), () -> "message does not name the file: " + e.getMessage());
            assertTrue(!e.problem().isBlank(), () -> "empty problem");
            return new Outcome(null, e);
        }
    }

    private static <T> T guarded(Callable<T> body) throws Exception {
        Future<T> future = guard.submit(body);
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("reader did not finish within " + TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SafetensorsFormatException sfe) {
                throw sfe;
            }
            throw new AssertionError("reader threw something other than SafetensorsFormatException", e.getCause());
        }
    }

    /** What a successful read must satisfy: tensors tile the data exactly, and a re-encoding reads back equal. */
    private static void assertConsistent(SafetensorsFile read, byte[] bytes) throws Exception {
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long covered = 0;
        for (StoredTensor t : read.tensors().values()) {
            assertEquals(StoredTensor.elementCount(t.shape()) * t.dtype().byteSize(), t.byteSize());
            covered += t.byteSize();
            assertDecodesLikeRawBytes(t);
        }
        assertEquals(bytes.length - 8 - headerLength, covered, "tensors cover the data buffer exactly");
        Path again = newFile();
        Safetensors.write(again, read);
        assertEquals(read, guarded(() -> Safetensors.read(again)));
        Files.delete(again);
    }

    /** Decoding agrees with an independent decode of the raw little-endian bits. */
    private static void assertDecodesLikeRawBytes(StoredTensor t) {
        ByteBuffer raw = ByteBuffer.wrap(t.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        float[] floats = t.toFloatArray();
        double[] doubles = t.toDoubleArray();
        for (int i = 0; i < floats.length; i++) {
            switch (t.dtype()) {
                case F32 -> assertEquals(raw.getInt(4 * i), Float.floatToRawIntBits(floats[i]));
                case F64 -> assertEquals(raw.getLong(8 * i), Double.doubleToRawLongBits(doubles[i]));
                case BF16 -> assertEquals((raw.getShort(2 * i) & 0xFFFF) << 16, Float.floatToRawIntBits(floats[i]));
                case F16 -> assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(raw.getShort(2 * i))),
                    Float.floatToRawIntBits(floats[i]));
            }
            if (t.dtype() != DType.F64 && !Float.isNaN(floats[i])) {
                assertEquals((double) floats[i], doubles[i]);
            }
        }
    }

    private static Path newFile() {
        return dir.resolve("t" + COUNTER.incrementAndGet() + ".safetensors");
    }

    // ------------------------------------------------------------------ assertions (messages that name the bytes)

    private static void assertTrue(boolean condition, Supplier<String> message) {
        if (!condition) {
            throw new AssertionError(message.get());
        }
    }

    private static void assertEquals(Object expected, Object actual) {
        assertEquals(expected, actual, "");
    }

    private static void assertEquals(Object expected, Object actual, String what) {
        assertTrue(Objects.equals(expected, actual), () -> what + " expected " + expected + " but was " + actual);
    }

    private static void assertArrayEquals(byte[] expected, byte[] actual, String what) {
        int at = Arrays.mismatch(expected, actual);
        assertTrue(at < 0, () -> what + ": byte arrays (lengths " + expected.length + ", " + actual.length + ") differ at " + at);
    }

    private static AssertionError fail(String message) {
        throw new AssertionError(message);
    }
}
