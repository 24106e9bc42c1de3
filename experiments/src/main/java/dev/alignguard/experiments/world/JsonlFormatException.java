package dev.alignguard.experiments.world;

import java.nio.file.Path;

import dev.alignguard.model.safetensors.InputFormatException;

/**
 * A JSONL dataset line that cannot be read. The message reads
 * {@code FILE:LINE: field 'NAME': PROBLEM} (or {@code FILE:LINE: PROBLEM} when no single field is at
 * fault, e.g. invalid JSON); the parts are also available on their own.
 */
public final class JsonlFormatException extends InputFormatException {

    private static final long serialVersionUID = 1L;

    private final long line;
    private final String field;

    public JsonlFormatException(Path file, long line, String field, String problem) {
        super(file + ":" + line + ": " + (field == null ? "" : "field '" + field + "': ") + problem, file, problem);
        this.line = line;
        this.field = field;
    }

    /** A file refused as a whole (e.g. too large for the free heap): {@link #line()} is 0. */
    public JsonlFormatException(Path file, String problem) {
        super(file + ": " + problem, file, problem);
        this.line = 0;
        this.field = null;
    }

    /** The 1-based line number of the bad line (0: the file as a whole). */
    public long line() {
        return line;
    }

    /** The field at fault, or null when the line as a whole is (invalid JSON, not an object). */
    public String field() {
        return field;
    }
}
