package dev.alignguard.model.hf;

import java.util.Objects;
import java.util.Optional;

import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;

/**
 * What {@link ModelFiles#load} found in a model folder.
 *
 * @param model     the model, its weights bit-identical to the saved ones
 * @param tokenizer the folder's tokenizer, or null when the folder has no {@code tokenizer.json}
 */
public record LoadedModel(LlamaModel model, WordTokenizer tokenizer) {

    public LoadedModel {
        Objects.requireNonNull(model, "model");
    }

    /** The tokenizer, when the folder has one. */
    public Optional<WordTokenizer> optionalTokenizer() {
        return Optional.ofNullable(tokenizer);
    }
}
