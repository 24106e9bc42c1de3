package dev.alignguard.model.tokenizer;

import java.nio.file.Path;

import dev.alignguard.model.safetensors.InputFormatException;

/** A tokenizer file that cannot be loaded; the message names the file and the problem. */
public final class TokenizerFormatException extends InputFormatException {

    private static final long serialVersionUID = 1L;

    public TokenizerFormatException(Path file, String problem) {
        super("invalid tokenizer file " + file + ": " + problem, file, problem);
    }
}
