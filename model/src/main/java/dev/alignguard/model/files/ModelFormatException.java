package dev.alignguard.model.files;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A model or adapter folder, or one of its files, that cannot be loaded (or a model that cannot be
 * saved as asked). The message always starts with the file (or folder) and then says what is wrong,
 * e.g. {@code /runs/m/config.json: "hidden_size" is missing}.
 *
 * <p>Malformed safetensors and tokenizer files are reported by their own exceptions
 * ({@link dev.alignguard.model.io.SafetensorsFormatException},
 * {@link dev.alignguard.model.tokenizer.TokenizerFormatException}), which name the file too.
 */
public final class ModelFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The file or folder that was refused. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the file name. */
    public String problem() {
        return problem;
    }
}
