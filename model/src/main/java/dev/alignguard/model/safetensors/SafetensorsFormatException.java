package dev.alignguard.model.safetensors;

import java.nio.file.Path;

/**
 * A file that is not a well-formed safetensors file this framework can read. It is the only
 * exception the reader throws for bad content (plain {@link java.io.IOException}s still report failures
 * to open or read the file), and its message always names the file and the problem.
 */
public final class SafetensorsFormatException extends InputFormatException {

    private static final long serialVersionUID = 1L;

    public SafetensorsFormatException(Path file, String problem) {
        super("invalid safetensors file " + file + ": " + problem, file, problem);
    }
}
