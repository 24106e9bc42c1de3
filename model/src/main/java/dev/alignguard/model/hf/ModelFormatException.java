package dev.alignguard.model.hf;

import java.nio.file.Path;

import dev.alignguard.model.safetensors.InputFormatException;

/**
 * A model or adapter folder, or one of its files, that cannot be loaded (or a model that cannot be
 * saved as asked). The message always starts with the file (or folder) and then says what is wrong,
 * e.g. {@code /runs/m/config.json: "hidden_size" is missing}.
 *
 * <p>Malformed safetensors and tokenizer files are reported by their own exceptions
 * ({@link dev.alignguard.model.safetensors.SafetensorsFormatException},
 * {@link dev.alignguard.model.tokenizer.TokenizerFormatException}), which name the file too.
 */
public final class ModelFormatException extends InputFormatException {

    private static final long serialVersionUID = 1L;

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem, file, problem);
    }
}
