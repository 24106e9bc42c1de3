package dev.alignguard.experiments.world;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.model.safetensors.AtomicFiles;
import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.JsonMappers;

/**
 * Datasets as JSON Lines, UTF-8, one example per line:
 * <pre>
 *   {"prompt": "&lt;bos&gt; describe zokabu ? &lt;sep&gt;", "response": "lime cube &lt;eos&gt;", "label": "safe",
 *    "category": "food", "split": "eval"}
 * </pre>
 * Required: {@code prompt} and {@code response} (non-empty strings), {@code label} ({@code "safe"} or
 * {@code "unsafe"}). Optional (absent or null): {@code category}, {@code split},
 * {@code compliant_response} (strings) and {@code object_seen}, {@code verb_seen} (booleans), which
 * carry the world's evaluation groups. Other fields are ignored, so files made elsewhere with extra
 * fields (an id, a source) load. Blank lines are skipped. A bad line is refused with a
 * {@link JsonlFormatException} naming the file, the line number and the field at fault; so is a file
 * beyond the {@link InputLimits} (line length, line count, the JSON limits per line, the free heap).
 *
 * <p>Framing tokens may be left out: converting to sequences ({@link Example#toSequence}) adds
 * {@code <bos>}, {@code <sep>} and {@code <eos>} where missing. Words outside the tokenizer's
 * vocabulary are an error by default ({@link UnknownWords#FAIL}), or {@code <unk>} on request.
 *
 * <p>Writing is atomic (a temporary file renamed over the target) and writes the fields in the order
 * above, omitting absent optional ones, so a written file reads back to equal examples.
 */
public final class JsonlDataset {

    private static final ObjectMapper JSON = JsonMappers.mapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonlDataset() {
    }

    /**
     * Reads a JSONL dataset; its name is the file name. The file is read a chunk at a time, within the
     * {@link InputLimits}: at most {@link InputLimits#JSONL_MAX_LINE_BYTES} bytes a line (refused as soon
     * as a line grows past it), {@link InputLimits#JSONL_MAX_LINES} lines, each line within the JSON
     * limits, and a file the free heap can hold as examples.
     */
    public static Dataset read(Path file) throws IOException {
        return readNumbered(file).dataset();
    }

    /**
     * A dataset read from a file with each example's line number, so that a later problem with an
     * example (a word outside a tokenizer's vocabulary) can name its line.
     *
     * @param lines the 1-based line of each example in the file (blank lines are skipped, so they differ from
     *              the example's position)
     */
    public record Numbered(Path file, Dataset dataset, long[] lines) {

        /** The example's line number (1-based). */
        public long line(int example) {
            return lines[example];
        }
    }

    /** {@link #read} keeping every example's line number. */
    public static Numbered readNumbered(Path file) throws IOException {
        long size = Files.size(file);
        String heap = InputLimits.heapProblem(size * InputLimits.JSONL_HEAP_FACTOR, "keeping a dataset of "
            + InputLimits.mib(size) + " as examples");
        if (heap != null) {
            throw new JsonlFormatException(file, heap);
        }
        List<Example> out = new ArrayList<>();
        List<Long> numbers = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] chunk = new byte[1 << 16];
        byte[] line = new byte[256];
        int length = 0;          // bytes of the current line so far
        boolean pending = false; // the current line has started (a last line without '\n' still counts)
        long lineNo = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(chunk)) >= 0;) {
                int from = 0;
                while (from < n) {
                    int to = from;
                    while (to < n && chunk[to] != '\n') {
                        to++;
                    }
                    int add = to - from;
                    if ((long) length + add > InputLimits.JSONL_MAX_LINE_BYTES + 1) { // + 1: a '\r' before the '\n'
                        throw new JsonlFormatException(file, lineNo + 1, null, "line is longer than the input limit of "
                            + InputLimits.JSONL_MAX_LINE_BYTES + " bytes (InputLimits.JSONL_MAX_LINE_BYTES)");
                    }
                    if (length + add > line.length) {
                        line = Arrays.copyOf(line, Math.max(length + add, Math.min(2 * line.length, InputLimits.JSONL_MAX_LINE_BYTES + 1)));
                    }
                    System.arraycopy(chunk, from, line, length, add);
                    length += add;
                    pending = true;
                    if (to < n) { // a '\n': the line is complete
                        lineNo = addLine(file, lineNo, line, length, utf8, out, numbers);
                        length = 0;
                        pending = false;
                    }
                    from = to + 1;
                }
            }
        }
        if (pending) {
            addLine(file, lineNo, line, length, utf8, out, numbers);
        }
        return new Numbered(file, new Dataset(String.valueOf(file.getFileName()), out),
            numbers.stream().mapToLong(Long::longValue).toArray());
    }

    /** Decodes, checks and parses one line (numbered {@code lineNo + 1}); returns its number. */
    private static long addLine(Path file, long lineNo, byte[] bytes, int length, CharsetDecoder utf8, List<Example> out,
                                List<Long> numbers)
        throws JsonlFormatException {
        long no = lineNo + 1;
        if (no > InputLimits.JSONL_MAX_LINES) {
            throw new JsonlFormatException(file, no, null, InputLimits.tooMany("lines", InputLimits.JSONL_MAX_LINES,
                "JSONL_MAX_LINES"));
        }
        int end = length > 0 && bytes[length - 1] == '\r' ? length - 1 : length;
        if (end > InputLimits.JSONL_MAX_LINE_BYTES) {
            throw new JsonlFormatException(file, no, null, "line is longer than the input limit of "
                + InputLimits.JSONL_MAX_LINE_BYTES + " bytes (InputLimits.JSONL_MAX_LINE_BYTES)");
        }
        String text;
        try {
            text = utf8.decode(ByteBuffer.wrap(bytes, 0, end)).toString();
        } catch (CharacterCodingException e) {
            throw new JsonlFormatException(file, no, null, "not valid UTF-8");
        }
        if (no == 1 && text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (!text.isBlank()) {
            out.add(parse(file, no, text));
            numbers.add(no);
        }
        return no;
    }

    /** Parses one non-blank line. */
    static Example parse(Path file, long lineNo, String line) throws JsonlFormatException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new JsonlFormatException(file, lineNo, null, JsonMappers.isLimit(e)
                ? "exceeds an input limit (InputLimits): " + e.getOriginalMessage()
                : "invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new JsonlFormatException(file, lineNo, null, "not a JSON object (got " + kind(node) + ")");
        }
        String prompt = requiredText(file, lineNo, node, "prompt");
        String response = requiredText(file, lineNo, node, "response");
        String labelText = requiredText(file, lineNo, node, "label");
        Label label;
        try {
            label = Label.parse(labelText);
        } catch (IllegalArgumentException e) {
            throw new JsonlFormatException(file, lineNo, "label", e.getMessage());
        }
        return new Example(prompt, response, label,
            optionalText(file, lineNo, node, "category"),
            optionalText(file, lineNo, node, "split"),
            optionalText(file, lineNo, node, "compliant_response"),
            optionalBoolean(file, lineNo, node, "object_seen"),
            optionalBoolean(file, lineNo, node, "verb_seen"));
    }

    /** Writes the examples atomically, one JSON object per line. */
    public static void write(Path file, List<Example> examples) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Example e : examples) {
            bytes.write(JSON.writeValueAsBytes(toJson(e)));
            bytes.write('\n');
        }
        AtomicFiles.write(file, bytes.toByteArray());
    }

    /** Writes a dataset's examples atomically. */
    public static void write(Path file, Dataset dataset) throws IOException {
        write(file, dataset.examples());
    }

    static ObjectNode toJson(Example e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("prompt", e.prompt());
        o.put("response", e.response());
        o.put("label", e.label().text());
        if (e.category() != null) {
            o.put("category", e.category());
        }
        if (e.split() != null) {
            o.put("split", e.split());
        }
        if (e.compliantResponse() != null) {
            o.put("compliant_response", e.compliantResponse());
        }
        if (e.objectSeen() != null) {
            o.put("object_seen", e.objectSeen());
        }
        if (e.verbSeen() != null) {
            o.put("verb_seen", e.verbSeen());
        }
        return o;
    }

    private static String requiredText(Path file, long lineNo, JsonNode node, String field) throws JsonlFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new JsonlFormatException(file, lineNo, field, "missing (required)");
        }
        if (!v.isTextual()) {
            throw new JsonlFormatException(file, lineNo, field, "must be a string, got " + kind(v));
        }
        if (v.textValue().isBlank()) {
            throw new JsonlFormatException(file, lineNo, field, "is empty");
        }
        return v.textValue();
    }

    private static String optionalText(Path file, long lineNo, JsonNode node, String field) throws JsonlFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new JsonlFormatException(file, lineNo, field, "must be a string, got " + kind(v));
        }
        return v.textValue();
    }

    private static Boolean optionalBoolean(Path file, long lineNo, JsonNode node, String field) throws JsonlFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new JsonlFormatException(file, lineNo, field, "must be a boolean, got " + kind(v));
        }
        return v.booleanValue();
    }

    private static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
