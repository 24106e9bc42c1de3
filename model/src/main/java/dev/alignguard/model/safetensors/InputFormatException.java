package dev.alignguard.model.safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An input file this framework refuses to read (a safetensors file, a tokenizer, a model folder,
 * a JSONL dataset): the message names the file and what is wrong, and both are available on their
 * own. A subclass per kind of file lets callers catch exactly the refusals they can handle; plain
 * {@link IOException}s still report failures to open or read a file.
 */
public abstract class InputFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    /**
     * @param message the whole message (it must name the file)
     * @param file    the file or folder that was refused
     * @param problem what is wrong with it, without the file name
     */
    protected InputFormatException(String message, Path file, String problem) {
        super(message);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The file (or folder) that was refused. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the file name. */
    public String problem() {
        return problem;
    }
}
