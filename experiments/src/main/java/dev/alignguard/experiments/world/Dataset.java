package dev.alignguard.experiments.world;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.Sequence;

/**
 * A named list of examples (a stage's training data, an evaluation set, or a JSONL file's content),
 * with the conversion to token sequences for the trainer.
 */
public record Dataset(String name, List<Example> examples) {

    public Dataset {
        examples = List.copyOf(examples);
    }

    public int size() {
        return examples.size();
    }

    public boolean isEmpty() {
        return examples.isEmpty();
    }

    public Example get(int i) {
        return examples.get(i);
    }

    /** The examples that pass the filter, under the same name. */
    public Dataset filter(Predicate<Example> keep) {
        return new Dataset(name, examples.stream().filter(keep).toList());
    }

    /** Training sequences; an unknown word is an error naming the example. */
    public List<Sequence> sequences(WordTokenizer tokenizer) {
        return sequences(tokenizer, UnknownWords.FAIL);
    }

    /** Training sequences with the given unknown-word policy. */
    public List<Sequence> sequences(WordTokenizer tokenizer, UnknownWords unknown) {
        List<Sequence> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            try {
                out.add(examples.get(i).toSequence(tokenizer, unknown));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("dataset '" + name + "', example " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Every prompt's ids (for generation). */
    public int[][] promptIds(WordTokenizer tokenizer, UnknownWords unknown) {
        int[][] out = new int[examples.size()][];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = examples.get(i).promptIds(tokenizer, unknown);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("dataset '" + name + "', example " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Every text, prompts then responses, e.g. to build a tokenizer over a user dataset. */
    public List<String> texts() {
        List<String> out = new ArrayList<>(2 * examples.size());
        for (Example e : examples) {
            out.add(e.prompt());
            out.add(e.response());
            if (e.compliantResponse() != null) {
                out.add(e.compliantResponse());
            }
        }
        return out;
    }
}
