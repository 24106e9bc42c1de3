package dev.alignguard.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and validates safetensors files; the checks and refusals are listed on {@link Safetensors}.
 * A mapped file that another process truncates while it is being read can still fault; the format
 * cannot prevent that.
 */
final class SafetensorsReader {

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final int MAX_NAME_IN_MESSAGE = 64;

    /**
     * Strict JSON: duplicate keys are errors, keys and strings may be as long as the header, nesting
     * and tokens are bounded ({@link JsonMappers#SAFETENSORS_HEADER}).
     */
    private static final ObjectMapper JSON = JsonMappers.mapper(JsonMappers.SAFETENSORS_HEADER)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Heap per token of a parsed header, at most (a value node, its slot in its parent, a short key). */
    private static final long HEAP_PER_TOKEN = 64;

    /** One validated header entry. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private final Path file;
    private final int maxTensors;

    private SafetensorsReader(Path file, int maxTensors) {
        this.file = file;
        this.maxTensors = maxTensors;
    }

    static SafetensorsFile read(Path file, long mmapThreshold) throws IOException {
        return read(file, mmapThreshold, InputLimits.SAFETENSORS_MAX_TENSORS);
    }

    /** With another tensor limit than {@link InputLimits#SAFETENSORS_MAX_TENSORS}: for the limit's own test. */
    static SafetensorsFile read(Path file, long mmapThreshold, int maxTensors) throws IOException {
        if (java.nio.file.Files.isDirectory(file)) {
            throw new SafetensorsFormatException(file, "is a directory, not a safetensors file");
        }
        MemorySegment content;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                content = readFully(channel, (int) size);
            } else if (size >= mmapThreshold || size > MAX_ARRAY
                || InputLimits.heapProblem(size, "reading " + file + " onto the heap") != null) { // too big for the heap: map it
                content = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto()).asReadOnly();
            } else {
                content = readFully(channel, (int) size);
            }
        }
        return new SafetensorsReader(file, maxTensors).parse(content);
    }

    /** Reads up to {@code size} bytes; a file that shrank meanwhile gives fewer, which parse then judges. */
    private static MemorySegment readFully(FileChannel channel, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(size);
        while (buf.hasRemaining() && channel.read(buf) >= 0) {
            // keep reading
        }
        return MemorySegment.ofArray(Arrays.copyOf(buf.array(), buf.position())).asReadOnly();
    }

    private SafetensorsFile parse(MemorySegment content) throws SafetensorsFormatException {
        long size = content.byteSize();
        if (size < 8) {
            throw fail("file is " + size + " bytes, shorter than the 8-byte header length");
        }
        long headerLength = content.get(U64_LE, 0);
        if (headerLength < 0 || headerLength > InputLimits.SAFETENSORS_MAX_HEADER_BYTES) {
            throw fail("header length " + Long.toUnsignedString(headerLength) + " exceeds the limit of "
                + InputLimits.SAFETENSORS_MAX_HEADER_BYTES + " bytes (InputLimits.SAFETENSORS_MAX_HEADER_BYTES)");
        }
        if (headerLength > size - 8) {
            throw fail("header length " + headerLength + " runs past the end of the file (" + size + " bytes)");
        }
        // the header's bytes, its text (up to 2 bytes a byte) and its tree (bounded by the token limit)
        long heap = 3 * headerLength + Math.min(InputLimits.JSON_HEAP_FACTOR * headerLength,
            HEAP_PER_TOKEN * InputLimits.SAFETENSORS_MAX_HEADER_TOKENS);
        String heapProblem = InputLimits.heapProblem(heap, "parsing a header of " + headerLength + " bytes");
        if (heapProblem != null) {
            throw fail(heapProblem);
        }
        JsonNode root = parseHeader(content.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE));
        int tensorCount = root.size() - (root.has("__metadata__") ? 1 : 0);
        if (tensorCount > maxTensors) {
            throw fail("the header lists " + tensorCount + " tensors: "
                + InputLimits.tooMany("tensors", maxTensors, "SAFETENSORS_MAX_TENSORS"));
        }

        long dataStart = 8 + headerLength;
        long dataLength = size - dataStart;
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            requireWellFormed(field.getKey(), "key");
            if (field.getKey().equals("__metadata__")) {
                readMetadata(field.getValue(), metadata);
            } else {
                entries.add(readEntry(field.getKey(), field.getValue(), dataLength));
            }
        }
        checkTiling(entries, dataLength);

        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            MemorySegment data = content.asSlice(dataStart + e.begin, e.end - e.begin);
            tensors.put(e.name, new StoredTensor(e.name, e.dtype, e.shape, data));
        }
        return new SafetensorsFile(tensors, metadata);
    }

    private JsonNode parseHeader(byte[] header) throws SafetensorsFormatException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(header))
                .toString();
        } catch (CharacterCodingException e) {
            throw fail("header is not valid UTF-8");
        }
        if (!text.startsWith("{")) {
            throw fail("header does not start with '{'");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            String msg = String.valueOf(e.getOriginalMessage()).replaceAll("\\[Source: [^;]*; ", "[");
            String at = e.getLocation() == null ? "" : " at character " + e.getLocation().getCharOffset();
            if (JsonMappers.isLimit(e)) {
                throw fail("header exceeds an input limit (InputLimits)" + at + ": " + shorten(msg, 200));
            }
            if (msg.startsWith("Trailing token")) {
                throw fail("header has content after the JSON object" + at);
            }
            String what = msg.startsWith("Duplicate") ? "header repeats a key" : "header is not valid JSON";
            throw fail(what + at + ": " + shorten(msg, 200));
        } catch (IOException | RuntimeException e) {
            throw fail("header is not valid JSON: " + shorten(String.valueOf(e.getMessage()), 200));
        }
        if (root == null || !root.isObject()) {
            throw fail("header is not a JSON object");
        }
        return root;
    }

    private void readMetadata(JsonNode node, Map<String, String> out) throws SafetensorsFormatException {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw fail("\"__metadata__\" is not an object");
        }
        for (Map.Entry<String, JsonNode> kv : node.properties()) {
            if (!kv.getValue().isTextual()) {
                throw fail("\"__metadata__\" value of " + quote(kv.getKey()) + " is not a string");
            }
            requireWellFormed(kv.getKey(), "\"__metadata__\" key");
            requireWellFormed(kv.getValue().textValue(), "\"__metadata__\" value of " + quote(kv.getKey()));
            out.put(kv.getKey(), kv.getValue().textValue());
        }
    }

    private Entry readEntry(String name, JsonNode node, long dataLength) throws SafetensorsFormatException {
        String t = "tensor " + quote(name);
        if (!node.isObject()) {
            throw fail(t + ": entry is not an object");
        }
        for (Map.Entry<String, JsonNode> kv : node.properties()) {
            String key = kv.getKey();
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw fail(t + ": unexpected field " + quote(key));
            }
        }
        JsonNode dtypeNode = required(node, "dtype", t);
        if (!dtypeNode.isTextual()) {
            throw fail(t + ": \"dtype\" is not a string");
        }
        Optional<DType> dtype = DType.fromName(dtypeNode.textValue());
        if (dtype.isEmpty()) {
            throw fail(t + ": unsupported dtype " + quote(dtypeNode.textValue()) + " (supported: "
                + Arrays.toString(DType.values()) + ")");
        }
        JsonNode shapeNode = required(node, "shape", t);
        if (!shapeNode.isArray()) {
            throw fail(t + ": \"shape\" is not an array");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(shapeNode.get(i), t + ": shape dimension " + i);
        }
        JsonNode offsets = required(node, "data_offsets", t);
        if (!offsets.isArray() || offsets.size() != 2) {
            throw fail(t + ": \"data_offsets\" is not an array [begin, end]");
        }
        long begin = nonNegativeLong(offsets.get(0), t + ": data_offsets begin");
        long end = nonNegativeLong(offsets.get(1), t + ": data_offsets end");
        String span = "[" + begin + ", " + end + "]";
        if (begin > end) {
            throw fail(t + ": data_offsets " + span + " have begin after end");
        }
        long needed = byteSize(dtype.get(), shape);
        if (needed < 0) {
            throw fail(t + ": " + dtype.get() + " with shape " + Arrays.toString(shape) + " overflows a 64-bit byte count");
        }
        if (end - begin != needed) {
            throw fail(t + ": data_offsets " + span + " span " + (end - begin) + " bytes but " + dtype.get()
                + " with shape " + Arrays.toString(shape) + " needs " + needed);
        }
        if (end > dataLength) {
            throw fail(t + ": data_offsets " + span + " run past the end of the data buffer (" + dataLength + " bytes)");
        }
        return new Entry(name, dtype.get(), shape, begin, end);
    }

    /** The tensors, sorted by (begin, end), must cover [0, dataLength) without overlap, gap or remainder. */
    private void checkTiling(List<Entry> entries, long dataLength) throws SafetensorsFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin < covered) {
                throw fail("tensor " + quote(e.name) + " (data_offsets [" + e.begin + ", " + e.end + "]) overlaps tensor "
                    + quote(previous.name) + " (data_offsets [" + previous.begin + ", " + previous.end + "])");
            }
            if (e.begin > covered) {
                throw fail("gap of " + (e.begin - covered) + " bytes in the data buffer before tensor " + quote(e.name)
                    + " (data_offsets [" + e.begin + ", " + e.end + "])");
            }
            covered = e.end;
            previous = e;
        }
        if (covered != dataLength) {
            throw fail("data buffer is " + dataLength + " bytes but the tensors cover " + covered + " ("
                + (dataLength - covered) + " trailing bytes)");
        }
    }

    /** JSON escapes can spell a lone surrogate ("\\ud800"), which is not Unicode; the reference refuses it too. */
    private void requireWellFormed(String s, String what) throws SafetensorsFormatException {
        int bad = SafetensorsWriter.firstUnpairedSurrogate(s);
        if (bad >= 0) {
            throw fail(what + " " + quote(s) + " contains an unpaired surrogate escape at index " + bad);
        }
    }

    private JsonNode required(JsonNode node, String field, String context) throws SafetensorsFormatException {
        JsonNode v = node.get(field);
        if (v == null) {
            throw fail(context + ": missing \"" + field + "\"");
        }
        return v;
    }

    private long nonNegativeLong(JsonNode n, String what) throws SafetensorsFormatException {
        if (n == null || !n.isIntegralNumber()) {
            String found = n != null && n.isValueNode() ? shorten(n.asText(), 40) : "a " + (n == null ? "null" : n.getNodeType());
            throw fail(what + " is not a non-negative integer: " + found);
        }
        if (!n.canConvertToLong()) {
            throw fail(what + " is out of range: " + shorten(n.asText(), 40));
        }
        long v = n.longValue();
        if (v < 0) {
            throw fail(what + " is negative: " + v);
        }
        return v;
    }

    /** dtype size times the element count, or -1 on overflow; a zero dimension makes it 0 whatever the others. */
    private static long byteSize(DType dtype, long[] shape) {
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        try {
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            return Math.multiplyExact(count, dtype.byteSize());
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    private SafetensorsFormatException fail(String problem) {
        return new SafetensorsFormatException(file, problem);
    }

    /** A name as a JSON-ish quoted string, control characters escaped and long names cut, for messages. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        String cut = s.length() > MAX_NAME_IN_MESSAGE ? s.substring(0, MAX_NAME_IN_MESSAGE) : s;
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !isPairedAt(cut, i)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('\'');
        if (cut.length() < s.length()) {
            b.append("... (").append(s.length()).append(" chars)");
        }
        return b.toString();
    }

    private static boolean isPairedAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
            : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
