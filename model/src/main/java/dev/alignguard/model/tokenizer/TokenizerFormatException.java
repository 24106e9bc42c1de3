package dev.alignguard.model.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/** A tokenizer file that cannot be loaded; the message names the file and the problem. */
public final class TokenizerFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    public TokenizerFormatException(Path file, String problem) {
        super("invalid tokenizer file " + file + ": " + problem);
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
