package dev.alignguard.experiments.world;

/**
 * What converting text to token ids does with a word that is not in the tokenizer's vocabulary.
 * The default everywhere is {@link #FAIL}: a dataset written for another world is almost always a
 * mistake, and a silent {@code <unk>} would turn it into a quietly wrong experiment.
 */
public enum UnknownWords {
    /** Throw an {@link IllegalArgumentException} naming the word and the example. */
    FAIL,
    /** Encode the word as {@code <unk>}. */
    UNK
}
