package dev.alignguard.proofs.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignguard.model.safetensors.DType;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.SafetensorsFormatException;
import dev.alignguard.model.safetensors.StoredTensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

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
 * must still read. And writing then reading gives back bit-identical tensors and metadata.
 */
class SafetensorsCorruptionProperties {

    /** Reads are milliseconds; a read still running after this is a hang. */
    private static final long TIMEOUT_SECONDS = 10;

    private static Path dir;
    private static ExecutorService guard;
    private static final AtomicLong COUNTER = new AtomicLong();

    @BeforeContainer
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("safetensors-properties");
        guard = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "safetensors-read-guard");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterContainer
    static void tearDown() throws IOException {
        guard.shutdownNow();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ------------------------------------------------------------------ properties

    @Property(tries = 200)
    void writeThenReadIsBitIdentical(@ForAll("contents") SafetensorsFile content, @ForAll boolean mapped) throws Exception {
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

    @Property(tries = 1000)
    void corruptedFilesReadOrAreRefusedNamingTheFile(@ForAll("contents") SafetensorsFile content,
                                                      @ForAll("corruptions") List<Corruption> corruptions,
                                                      @ForAll boolean mapped) throws Exception {
        byte[] original = Safetensors.encode(content);
        byte[] corrupted = original;
        for (Corruption c : corruptions) {
            corrupted = c.apply(corrupted);
        }
        boolean dataOnly = corruptions.stream().allMatch(c -> c instanceof FlipData);
        Path file = newFile();
        Files.write(file, corrupted);
        Outcome outcome = readGuarded(file, mapped);
        Statistics.label("outcome").collect(outcome.read != null ? "read" : "refused");
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

    @Property(tries = 200)
    void corruptingOnlyDataStillReads(@ForAll("contents") SafetensorsFile content,
                                      @ForAll("dataFlips") List<Corruption> flips,
                                      @ForAll boolean mapped) throws Exception {
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

    // ------------------------------------------------------------------ assertions (the proofs module uses jqwik alone)

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

    // ------------------------------------------------------------------ generators

    /** Name pieces: plain, JSON-escaped, multi-byte UTF-8, a surrogate pair, whitespace. */
    private static final String[] ATOMS = {"a", "b", "w", "0", "7", ".", "_", "-", "\"", "\\", "/", " ", "\n", "é", "✓", "😀", "层"};

    @Provide
    Arbitrary<SafetensorsFile> contents() {
        Arbitrary<String> names = Arbitraries.of(ATOMS).list().ofMaxSize(6).map(l -> String.join("", l));
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 4).array(long[].class).ofMaxSize(3);
        Arbitrary<StoredTensor> tensors = Combinators.combine(names, Arbitraries.of(DType.class), shapes)
                .flatAs((name, dtype, shape) -> Arbitraries.bytes().array(byte[].class)
                        .ofSize(Math.toIntExact(StoredTensor.elementCount(shape) * dtype.byteSize()))
                        .map(bytes -> StoredTensor.ofBytes(name, dtype, shape, bytes)));
        Arbitrary<List<StoredTensor>> lists = tensors.list().ofMaxSize(5).uniqueElements(StoredTensor::name);
        Arbitrary<Map<String, String>> metadata = Arbitraries.maps(names, names).ofMaxSize(3);
        return Combinators.combine(lists, metadata).as(SafetensorsFile::of);
    }

    @Provide
    Arbitrary<List<Corruption>> corruptions() {
        Arbitrary<Integer> pos = Arbitraries.integers().between(0, Integer.MAX_VALUE);
        Arbitrary<Integer> mask = Arbitraries.integers().between(1, 255);
        Arbitrary<byte[]> garbage = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16);
        Arbitrary<Long> lengths = Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.of(-1L, Long.MIN_VALUE, Long.MAX_VALUE, 100_000_000L, 100_000_001L, 1L << 32, 0L, 1L, 7L));
        Arbitrary<Corruption> one = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, pos.map(Truncate::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(pos, mask).as(FlipHeader::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(pos, mask).as(FlipData::new)),
                net.jqwik.api.Tuple.of(1, lengths.map(SetHeaderLength::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-16, 16).map(ShiftHeaderLength::new)),
                net.jqwik.api.Tuple.of(6, Combinators.combine(Arbitraries.integers().between(0, JsonEdit.KINDS - 1), pos, pos,
                        Arbitraries.longs()).as(JsonEdit::new)),
                net.jqwik.api.Tuple.of(1, garbage.map(AppendGarbage::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(pos, garbage).as(InsertBytes::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(pos, Arbitraries.integers().between(1, 16)).as(DeleteBytes::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().map(ScrambleHeader::new)));
        return one.list().ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<List<Corruption>> dataFlips() {
        return Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(1, 255))
                .as(FlipData::new).map(Corruption.class::cast).list().ofMinSize(1).ofMaxSize(8);
    }

    // ------------------------------------------------------------------ corruptions

    /** One change to a file's bytes; records so that jqwik reports say exactly what was done. */
    sealed interface Corruption permits Truncate, FlipHeader, FlipData, SetHeaderLength, ShiftHeaderLength, JsonEdit,
            AppendGarbage, InsertBytes, DeleteBytes, ScrambleHeader {
        byte[] apply(byte[] file);
    }

    /** End of the header as the prefix claims it, clamped to the file (the prefix may already be corrupt). */
    private static int headerEnd(byte[] f) {
        if (f.length < 8) {
            return f.length;
        }
        long n = ByteBuffer.wrap(f, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n < 0 || n > f.length - 8 ? f.length : (int) (8 + n);
    }

    record Truncate(int at) implements Corruption {
        public byte[] apply(byte[] f) {
            return Arrays.copyOf(f, at % Math.max(1, f.length));
        }
    }

    /** Flips bits of one byte in the prefix or the header. */
    record FlipHeader(int at, int mask) implements Corruption {
        public byte[] apply(byte[] f) {
            int end = headerEnd(f);
            byte[] g = f.clone();
            if (end > 0) {
                g[at % end] ^= (byte) mask;
            }
            return g;
        }
    }

    /** Flips bits of one data byte; legal, the file must still read. */
    record FlipData(int at, int mask) implements Corruption {
        public byte[] apply(byte[] f) {
            int start = headerEnd(f);
            byte[] g = f.clone();
            if (f.length > start) {
                g[start + at % (f.length - start)] ^= (byte) mask;
            }
            return g;
        }
    }

    record SetHeaderLength(long value) implements Corruption {
        public byte[] apply(byte[] f) {
            byte[] g = f.length >= 8 ? f.clone() : Arrays.copyOf(f, 8);
            ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            return g;
        }
    }

    record ShiftHeaderLength(int delta) implements Corruption {
        public byte[] apply(byte[] f) {
            if (f.length < 8) {
                return f;
            }
            byte[] g = f.clone();
            ByteBuffer b = ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(0, b.getLong(0) + delta);
            return g;
        }
    }

    record AppendGarbage(byte[] bytes) implements Corruption {
        public byte[] apply(byte[] f) {
            byte[] g = Arrays.copyOf(f, f.length + bytes.length);
            System.arraycopy(bytes, 0, g, f.length, bytes.length);
            return g;
        }

        @Override
        public String toString() {
            return "AppendGarbage" + Arrays.toString(bytes);
        }
    }

    record InsertBytes(int at, byte[] bytes) implements Corruption {
        public byte[] apply(byte[] f) {
            int p = at % (f.length + 1);
            byte[] g = new byte[f.length + bytes.length];
            System.arraycopy(f, 0, g, 0, p);
            System.arraycopy(bytes, 0, g, p, bytes.length);
            System.arraycopy(f, p, g, p + bytes.length, f.length - p);
            return g;
        }

        @Override
        public String toString() {
            return "InsertBytes[at=" + at + ", " + Arrays.toString(bytes) + "]";
        }
    }

    record DeleteBytes(int at, int count) implements Corruption {
        public byte[] apply(byte[] f) {
            if (f.length == 0) {
                return f;
            }
            int p = at % f.length;
            int n = Math.min(count, f.length - p);
            byte[] g = new byte[f.length - n];
            System.arraycopy(f, 0, g, 0, p);
            System.arraycopy(f, p + n, g, p, f.length - p - n);
            return g;
        }
    }

    /** Replaces the header with random bytes of the same length. */
    record ScrambleHeader(long seed) implements Corruption {
        public byte[] apply(byte[] f) {
            byte[] g = f.clone();
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = Math.min(8, g.length); i < headerEnd(f); i++) {
                g[i] = (byte) r.nextInt(256);
            }
            return g;
        }
    }

    /**
     * A structural edit of the JSON header (re-serialised, re-padded or not, prefix updated), the kind
     * of damage a buggy writer or a hand edit makes: offsets, shapes and dtypes changed to other valid
     * or invalid values, fields removed or added, entries or metadata of the wrong type, duplicate keys.
     */
    record JsonEdit(int kind, int target, int pick, long number) implements Corruption {
        static final int KINDS = 17;
        private static final ObjectMapper LENIENT = new ObjectMapper();
        private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
        private static final String[] DTYPES = {"F32", "F64", "F16", "BF16", "I32", "U8", "BOOL", "F8_E4M3", "", "f32", "F 32"};
        private static final String[] FIELDS = {"dtype", "shape", "data_offsets"};

        private JsonNode value() {
            return switch (pick % 12) {
                case 0 -> NODES.numberNode(number % 64);
                case 1 -> NODES.numberNode(Math.floorMod(number, 64L));
                case 2 -> NODES.numberNode(number);
                case 3 -> NODES.numberNode(BigInteger.ONE.shiftLeft(64).add(BigInteger.valueOf(number)));
                case 4 -> NODES.numberNode(1.5);
                case 5 -> NODES.numberNode(Long.MAX_VALUE);
                case 6 -> NODES.numberNode(-1);
                case 7 -> NODES.textNode("8");
                case 8 -> NODES.nullNode();
                case 9 -> NODES.booleanNode(true);
                case 10 -> NODES.arrayNode();
                default -> NODES.numberNode(Math.floorMod(number, 4096L));
            };
        }

        public byte[] apply(byte[] f) {
            int end = headerEnd(f);
            if (f.length < 8 || end <= 8) {
                return f;
            }
            JsonNode parsed;
            try {
                parsed = LENIENT.readTree(new String(f, 8, end - 8, StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                return f;   // an earlier corruption already broke the JSON
            }
            if (!(parsed instanceof ObjectNode root)) {
                return f;
            }
            List<String> names = new ArrayList<>();
            root.fieldNames().forEachRemaining(n -> {
                if (!n.equals("__metadata__")) {
                    names.add(n);
                }
            });
            String name = names.isEmpty() ? null : names.get(target % names.size());
            ObjectNode entry = name != null && root.get(name) instanceof ObjectNode o ? o : null;
            String json = null;
            switch (kind) {
                case 0, 1 -> {
                    if (entry != null && entry.get("data_offsets") instanceof ArrayNode a && a.size() == 2) {
                        a.set(kind, value());
                    }
                }
                case 2 -> {
                    if (entry != null && entry.get("shape") instanceof ArrayNode s) {
                        if (s.isEmpty()) {
                            s.add(value());
                        } else {
                            s.set(pick % s.size(), value());
                        }
                    }
                }
                case 3 -> {
                    if (entry != null && entry.get("shape") instanceof ArrayNode s) {
                        s.add(value());
                    }
                }
                case 4 -> {
                    if (entry != null && entry.get("shape") instanceof ArrayNode s && !s.isEmpty()) {
                        s.remove(s.size() - 1);
                    }
                }
                case 5 -> {
                    if (entry != null) {
                        entry.put("dtype", DTYPES[pick % DTYPES.length]);
                    }
                }
                case 6 -> {
                    if (entry != null) {
                        entry.remove(FIELDS[pick % FIELDS.length]);
                    }
                }
                case 7 -> {
                    if (entry != null) {
                        entry.set("extra", value());
                    }
                }
                case 8 -> {
                    if (name != null) {
                        root.set(name, value());
                    }
                }
                case 9 -> root.set("__metadata__", switch (pick % 5) {
                    case 0 -> NODES.arrayNode();
                    case 1 -> NODES.objectNode().set("k", value());
                    case 2 -> NODES.nullNode();
                    case 3 -> NODES.textNode("x");
                    default -> NODES.objectNode().put("k", "v");
                });
                case 10 -> {   // duplicate a key textually: Jackson's tree cannot hold one
                    List<String> keys = new ArrayList<>();
                    root.fieldNames().forEachRemaining(keys::add);
                    if (!keys.isEmpty()) {
                        String key = keys.get(target % keys.size());
                        String rest = root.toString();
                        json = "{" + NODES.textNode(key) + ":" + root.get(key) + "," + rest.substring(1);
                    }
                }
                case 11 -> {   // swap two tensors' offsets
                    if (names.size() >= 2 && entry != null && root.get(names.get(pick % names.size())) instanceof ObjectNode other
                            && entry.has("data_offsets") && other.has("data_offsets")) {
                        JsonNode tmp = entry.get("data_offsets");
                        entry.set("data_offsets", other.get("data_offsets"));
                        other.set("data_offsets", tmp);
                    }
                }
                case 12 -> {   // shift every offset: the tiling no longer starts at 0 or no longer reaches the end
                    long shift = number % 9;
                    for (String n : names) {
                        if (root.get(n) instanceof ObjectNode o && o.get("data_offsets") instanceof ArrayNode a) {
                            for (int i = 0; i < a.size(); i++) {
                                if (a.get(i).canConvertToLong()) {
                                    a.set(i, NODES.numberNode(a.get(i).longValue() + shift));
                                }
                            }
                        }
                    }
                }
                case 13 -> {
                    if (entry != null && entry.get("data_offsets") instanceof ArrayNode a) {
                        if (pick % 2 == 0 && !a.isEmpty()) {
                            a.remove(a.size() - 1);
                        } else {
                            a.add(value());
                        }
                    }
                }
                case 14 -> json = switch (pick % 4) {
                    case 0 -> "[]";
                    case 1 -> "1";
                    case 2 -> root + " " + root;
                    default -> "\"" + root + "\"";
                };
                case 15 -> {   // make a tensor claim another's bytes: an exact overlap (or a gap where it was)
                    if (entry != null && root.get(names.get(pick % names.size())) instanceof ObjectNode other) {
                        for (String field : FIELDS) {
                            if (other.has(field)) {
                                entry.set(field, other.get(field).deepCopy());
                            }
                        }
                    }
                }
                default -> {   // rename a tensor onto another's name or onto "__metadata__"
                    if (name != null) {
                        JsonNode v = root.remove(name);
                        String to = pick % 2 == 0 ? "__metadata__" : names.get(pick % names.size()) + "x";
                        root.set(to, v);
                    }
                }
            }
            if (json == null) {
                json = root.toString();
            }
            byte[] header = json.getBytes(StandardCharsets.UTF_8);
            int pad = number % 2 == 0 ? (8 - header.length % 8) % 8 : 0;
            ByteBuffer out = ByteBuffer.allocate(8 + header.length + pad + f.length - end).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(header.length + pad).put(header);
            for (int i = 0; i < pad; i++) {
                out.put((byte) ' ');
            }
            out.put(f, end, f.length - end);
            return out.array();
        }
    }
}
