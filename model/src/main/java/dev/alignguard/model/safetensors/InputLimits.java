package dev.alignguard.model.safetensors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Every bound on what this framework reads from disk, in one place. Model folders, adapters,
 * tokenizers, datasets, specs and summaries may come from elsewhere; whatever their content, a
 * reader either returns what the file holds or throws its {@link InputFormatException} naming the
 * file and the limit, before it allocates memory in proportion to a size the file claims. The
 * limits are far above what the framework's own files need (noted per limit) and are not
 * configurable: a file that needs more is not one this framework was meant to read.
 *
 * <h2>What is bounded where</h2>
 * <ul>
 *   <li><b>safetensors</b> ({@link Safetensors#read}): the header length
 *       ({@link #SAFETENSORS_MAX_HEADER_BYTES}, the reference implementation's limit), the header's
 *       JSON tokens ({@link #SAFETENSORS_MAX_HEADER_TOKENS}) and nesting, the number of tensors
 *       ({@link #SAFETENSORS_MAX_TENSORS}); every offset against the file size (the tensors must tile
 *       the data exactly); a file read onto the heap (not mapped) against the free heap.</li>
 *   <li><b>model and adapter folders</b> ({@code ModelFiles}, {@code AdapterFiles}): the JSON limits
 *       below for {@code config.json} and {@code adapter_config.json}; {@code num_hidden_layers} so
 *       that the expected tensors stay within {@link #SAFETENSORS_MAX_TENSORS}; the weights to be
 *       decoded to floats against the free heap and against one Java array each; a
 *       {@code target_modules} expression by length ({@link #LORA_MAX_REGEX_CHARS}) and by the steps one
 *       match may take ({@link #LORA_REGEX_MAX_STEPS}).</li>
 *   <li><b>JSON documents</b> (specs, {@code config.json}, {@code adapter_config.json},
 *       {@code tokenizer.json}, {@code summary.json}, token files): file size
 *       ({@link #JSON_MAX_DOCUMENT_BYTES}), then Jackson's {@code StreamReadConstraints} (document
 *       length, nesting depth, string, name and number lengths, token count) through
 *       {@link JsonMappers}, the one factory of every mapper that reads; and the free heap against
 *       {@link #JSON_HEAP_FACTOR} times the file size.</li>
 *   <li><b>JSON Lines datasets</b>: bytes per line ({@link #JSONL_MAX_LINE_BYTES}, checked while
 *       reading, so a file with no line breaks is refused after one line's worth), lines per file
 *       ({@link #JSONL_MAX_LINES}), each line through the JSON limits above, and the file size
 *       against the free heap ({@link #JSONL_HEAP_FACTOR}).</li>
 * </ul>
 * Nothing is ever read with Java deserialization (object streams); a test scans the
 * sources for it.
 *
 * <h2>The heap estimate</h2>
 * {@link #freeHeap()} is the heap this JVM can still grow into ({@code maxMemory - used}). A reader
 * compares its estimate with it before reading, and when the estimate is larger it collects once
 * ({@code System.gc()}, garbage counts as used) and compares again before refusing; the message
 * says how much was needed, how much was free and to raise {@code -Xmx}.
 */
public final class InputLimits {

    // ------------------------------------------------------------------ safetensors

    /** The longest safetensors header read (100 MB): safetensors' own {@code MAX_HEADER_SIZE}. */
    public static final long SAFETENSORS_MAX_HEADER_BYTES = 100_000_000L;

    /**
     * The most tensors one safetensors file may hold (100,000). A 405B-parameter Llama has about
     * 1,100 parameters in all; this framework's models have tens.
     */
    public static final int SAFETENSORS_MAX_TENSORS = 100_000;

    /**
     * The most JSON tokens in a safetensors header (4,000,000): {@link #SAFETENSORS_MAX_TENSORS}
     * entries of rank 8 take about 2,000,000, the rest is for {@code __metadata__}. It bounds the
     * parsed header's memory (a token is at most about 64 bytes of tree) whatever the header holds.
     */
    public static final long SAFETENSORS_MAX_HEADER_TOKENS = 4_000_000L;

    /** The deepest nesting in a safetensors header (64; a valid header nests 3 deep). */
    public static final int SAFETENSORS_MAX_NESTING_DEPTH = 64;

    // ------------------------------------------------------------------ JSON documents

    /**
     * The largest JSON document read (64 MiB): specs, {@code config.json}, {@code adapter_config.json},
     * {@code tokenizer.json}, {@code summary.json}, token files. A quickstart {@code summary.json} is
     * about 1 MB, a spec a few kB.
     */
    public static final long JSON_MAX_DOCUMENT_BYTES = 64L << 20;

    /** The deepest nesting of arrays and objects in a JSON document (64; the deepest format here nests 6). */
    public static final int JSON_MAX_NESTING_DEPTH = 64;

    /** The longest JSON string value, in characters (1 MiB; the longest here is an error message). */
    public static final int JSON_MAX_STRING_CHARS = 1 << 20;

    /** The longest JSON object key, in characters (4,096; keys here are field names and method labels). */
    public static final int JSON_MAX_NAME_CHARS = 4_096;

    /** The longest JSON number, in characters (100; a double needs at most 25, a long 20). */
    public static final int JSON_MAX_NUMBER_CHARS = 100;

    /** The most tokens in a JSON document (16,000,000; about 2 bytes a token at the document limit). */
    public static final long JSON_MAX_TOKENS = 16_000_000L;

    /**
     * Heap per byte of a JSON document parsed into a tree (16): measured worst cases are about 10
     * for {@code [0,0,...]} and about 15 for arrays of one-character strings.
     */
    public static final int JSON_HEAP_FACTOR = 16;

    // ------------------------------------------------------------------ JSON Lines

    /** The longest line of a JSON Lines dataset, in bytes (1 MiB; a line is one prompt and response). */
    public static final int JSONL_MAX_LINE_BYTES = 1 << 20;

    /** The most lines in a JSON Lines dataset (1,000,000; the paper's DriftCheck has 10,000 prompts). */
    public static final long JSONL_MAX_LINES = 1_000_000L;

    /** Heap per byte of a JSON Lines dataset kept as examples (4: UTF-16 strings and their objects). */
    public static final int JSONL_HEAP_FACTOR = 4;

    // ------------------------------------------------------------------ models

    /**
     * The most decoder layers a {@code config.json} may declare (11,110): the layers whose nine
     * parameters, with the embedding, final norm and head, fit {@link #SAFETENSORS_MAX_TENSORS}.
     */
    public static final int MODEL_MAX_LAYERS = (SAFETENSORS_MAX_TENSORS - 3) / 9;

    /**
     * The most experts a Mixtral {@code config.json} may declare per layer (1,024; Mixtral has 8,
     * the largest published mixtures a few hundred); the weights file's tensor count bounds the rest.
     */
    public static final int MODEL_MAX_EXPERTS = 1_024;

    /**
     * The longest regular expression accepted as {@code target_modules} (1,000 characters; peft's
     * examples are under 100): compiling is recursive in the nesting, so length bounds the stack.
     */
    public static final int LORA_MAX_REGEX_CHARS = 1_000;

    /**
     * The most steps (characters examined) one match of a {@code target_modules} expression against a
     * module path may take (1,000,000; a sane expression takes tens): java.util.regex backtracks, so an
     * expression such as {@code (.*)*x} would otherwise take exponential time.
     */
    public static final int LORA_REGEX_MAX_STEPS = 1_000_000;

    private InputLimits() {
    }

    /** The heap this JVM can still use: its maximum less what is in use now (garbage included). */
    public static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Null when {@code bytes} of heap are free (collecting once if they are not at first), else
     * what is wrong, for a refusal: the estimate, what is free, and the way out.
     *
     * @param what what the heap is needed for, e.g. "decoding the weights (8 x 4 bytes)"
     */
    public static String heapProblem(long bytes, String what) {
        if (bytes <= freeHeap()) {
            return null;
        }
        System.gc(); // garbage counts as used: collect once before refusing
        long free = freeHeap();
        if (bytes <= free) {
            return null;
        }
        return what + " needs about " + mib(bytes) + " of heap but this JVM has " + mib(free) + " free (maximum "
            + mib(Runtime.getRuntime().maxMemory()) + "); raise -Xmx (e.g. in ALIGNGUARD_JAVA_OPTS) or read a smaller file";
    }

    /** A size in MiB for messages. */
    public static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Makes the refusal a reader throws: its own {@link InputFormatException} for a file and a problem. */
    @FunctionalInterface
    public interface Refusal<E extends InputFormatException> {
        E refuse(Path file, String problem);
    }

    /**
     * Reads a whole JSON document as text, refusing (with the reader's own exception) a file over
     * {@link #JSON_MAX_DOCUMENT_BYTES}, one whose parsed tree would not fit the free heap, and one that
     * is not UTF-8 (JSON's encoding, RFC 8259; a leading byte order mark is dropped). The size is
     * checked before reading and again while reading (a file that grows meanwhile is cut off at the
     * limit, never read further). Parsers get text, never bytes: Jackson guesses the encoding of bytes
     * (UTF-16, UTF-32) and reports some of its guesses' failures as plain I/O errors.
     *
     * @param what what the document is, for messages, e.g. "a spec"
     */
    public static <E extends InputFormatException> String readJsonDocument(Path file, String what, Refusal<E> refusal)
        throws IOException {
        long size = Files.size(file);
        long limit = JSON_MAX_DOCUMENT_BYTES;
        if (size > limit) {
            throw refusal.refuse(file, tooLarge(what, size, limit, "JSON_MAX_DOCUMENT_BYTES"));
        }
        String heap = heapProblem(size * JSON_HEAP_FACTOR, "parsing " + what + " of " + mib(size));
        if (heap != null) {
            throw refusal.refuse(file, heap);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) limit + 1);
        }
        if (bytes.length > limit) {
            throw refusal.refuse(file, tooLarge(what, bytes.length, limit, "JSON_MAX_DOCUMENT_BYTES")
                + " (it grew while being read)");
        }
        String text = utf8(bytes);
        if (text == null) {
            throw refusal.refuse(file, "not UTF-8 text (JSON is UTF-8)");
        }
        return text;
    }

    /** The bytes as UTF-8 text without a leading byte order mark, or null when they are not UTF-8. */
    public static String utf8(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The message of an input over a size limit, naming the limit's constant here. */
    public static String tooLarge(String what, long size, long limit, String limitName) {
        return what + " of " + size + " bytes exceeds the input limit of " + limit + " bytes (" + mib(limit)
            + ", InputLimits." + limitName + ")";
    }

    /** The message of an input over a count limit, e.g. "more than 100000 tensors (the input limit, InputLimits.X)". */
    public static String tooMany(String what, long limit, String limitName) {
        return "more than " + limit + " " + what + " (the input limit, InputLimits." + limitName + ")";
    }
}
