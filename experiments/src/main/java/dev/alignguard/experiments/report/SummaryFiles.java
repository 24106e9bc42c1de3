package dev.alignguard.experiments.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.model.safetensors.AtomicFiles;
import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.JsonMappers;

/**
 * Reads and writes {@code summary.json}.
 *
 * <p>Format: UTF-8, pretty-printed with '\n' line ends on every platform (arrays of numbers on one
 * line), one trailing newline, map entries sorted by key (so the same
 * summary gives the same bytes whatever map implementation the producer used).
 *
 * <p>Non-finite numbers: JSON has no NaN or infinity, and the schema uses NaN on purpose (the
 * strength of a method without one, the CI of a single seed). They are written as the JSON
 * <em>strings</em> {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"} (Jackson's
 * {@code WRITE_NAN_AS_STRINGS}), which read back into {@code double}, {@code double[]} and
 * {@code Double} fields as the same values, so a write-read round trip is exact. {@code null}
 * was rejected because it cannot be read into a primitive {@code double} and would lose the
 * difference between NaN and the infinities. The reader also accepts the bare tokens
 * {@code NaN}/{@code Infinity} that some other writers emit.
 *
 * <p>Unknown properties are ignored (a newer producer may add fields), but the file must be a
 * JSON object that maps onto {@link Summary}; anything else is refused with an
 * {@link IOException} whose message names the file and, for syntax errors, line and column.
 *
 * <p>Writes are atomic: a temporary file in the same directory, renamed over the target
 * ({@link AtomicFiles}), so a reader never sees half a summary.
 */
public final class SummaryFiles {

    /** The file name inside a run directory. */
    public static final String FILE_NAME = "summary.json";

    private static final ObjectMapper MAPPER = JsonMappers.builder()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .defaultPrettyPrinter(new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n")))
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    private SummaryFiles() {
    }

    /** The mapper with the settings above (shared, thread-safe; do not reconfigure it). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The JSON text of {@code summary}, as {@link #write} stores it. */
    public static String toJson(Summary summary) {
        try {
            return MAPPER.writeValueAsString(summary) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise summary " + summary.name() + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses summary JSON text; {@code source} names where it came from in error messages.
     *
     * @throws SummaryFormatException when the text is not a summary
     */
    public static Summary fromJson(String json, String source) throws IOException {
        return fromJson(json, Path.of(source.replaceAll("[^A-Za-z0-9._/-]", "_")), source);
    }

    private static Summary fromJson(String json, Path file, String source) throws SummaryFormatException {
        if (json.isBlank()) {
            throw new SummaryFormatException(file, source, "", "the file is empty");
        }
        Summary summary;
        try {
            summary = MAPPER.readValue(json, Summary.class);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 0 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new SummaryFormatException(file, source, where, (JsonMappers.isLimit(e)
                ? "exceeds an input limit (InputLimits): " : "") + e.getOriginalMessage());
        }
        if (summary == null) {
            throw new SummaryFormatException(file, source, "", "expected a JSON object, found null");
        }
        validate(summary, file, source);
        return summary;
    }

    /** Writes {@code summary} to {@code file} atomically, creating the parent directories. */
    public static void write(Summary summary, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        AtomicFiles.write(file, toJson(summary).getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code dir/summary.json}; returns its path. */
    public static Path writeTo(Summary summary, Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        write(summary, file);
        return file;
    }

    /**
     * Reads a summary file, within the {@link InputLimits} JSON limits.
     *
     * @throws IOException naming the file: missing, a directory, unreadable, or malformed ({@link SummaryFormatException})
     */
    public static Summary read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory, not a summary file (expected " + file.resolve(FILE_NAME) + ")");
        }
        String text;
        try {
            text = InputLimits.readJsonDocument(file, "a summary", SummaryFormatException::new);
        } catch (NoSuchFileException e) {
            throw new IOException("summary file not found: " + file, e);
        } catch (SummaryFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("cannot read summary " + file + ": " + e.getMessage(), e);
        }
        return fromJson(text, file, file.toString());
    }

    /** Reads {@code dir/summary.json}. */
    public static Summary readFrom(Path dir) throws IOException {
        return read(dir.resolve(FILE_NAME));
    }

    /** The structural checks the report relies on: every method summary names its method. */
    private static void validate(Summary summary, Path file, String source) throws SummaryFormatException {
        List<MethodSummary> methods = summary.methods();
        if (methods == null) {
            return;
        }
        for (int i = 0; i < methods.size(); i++) {
            MethodSummary m = methods.get(i);
            if (m == null || m.method() == null || m.method().isBlank()) {
                throw new SummaryFormatException(file, source, "", "methods[" + i + "] has no \"method\" name");
            }
        }
    }
}
