package dev.alignguard.model.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file that is not a well-formed safetensors file this framework can read. It is the only
 * exception the reader throws for bad content (plain {@link IOException}s still report failures
 * to open or read the file), and its message always names the file and the problem.
 */
public final class SafetensorsFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    public SafetensorsFormatException(Path file, String problem) {
        super("invalid safetensors file " + file + ": " + problem);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The file that was refused. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the file name. */
    public String problem() {
        return problem;
    }
}
