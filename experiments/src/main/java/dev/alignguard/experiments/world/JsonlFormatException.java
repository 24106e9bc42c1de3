package dev.alignguard.experiments.world;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A JSONL dataset line that cannot be read. The message reads
 * {@code FILE:LINE: field 'NAME': PROBLEM} (or {@code FILE:LINE: PROBLEM} when no single field is at
 * fault, e.g. invalid JSON); the parts are also available on their own.
 */
public final class JsonlFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;
    private final String field;
    private final String problem;

    public JsonlFormatException(Path file, long line, String field, String problem) {
        super(file + ":" + line + ": " + (field == null ? "" : "field '" + field + "': ") + problem);
        this.file = file;
        this.line = line;
        this.field = field;
        this.problem = problem;
    }

    /** The file that was refused. */
    public Path file() {
        return file;
    }

    /** The 1-based line number of the bad line. */
    public long line() {
        return line;
    }

    /** The field at fault, or null when the line as a whole is (invalid JSON, not an object). */
    public String field() {
        return field;
    }

    /** What is wrong, without file, line or field. */
    public String problem() {
        return problem;
    }
}
