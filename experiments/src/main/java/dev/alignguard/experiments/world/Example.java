package dev.alignguard.experiments.world;

import java.util.ArrayList;
import java.util.List;

import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.Sequence;

/**
 * One prompt and its target response as text, with its label and, for world-made examples, what
 * evaluation groups it into. Prompts read {@code <bos> VERB OBJECT ? <sep>} and responses end with
 * {@code <eos>}; {@link #toSequence} adds the framing tokens where a (user) example leaves them out.
 *
 * @param prompt            the prompt text
 * @param response          the target response text (for an unsafe evaluation prompt: the refusal)
 * @param label             safe or unsafe
 * @param category          the category label (e.g. {@code violence}), or null
 * @param split             which set it belongs to (e.g. {@code pretrain}, {@code align}, {@code eval}), or null
 * @param compliantResponse for an unsafe prompt: the compliant (harmful) answer, or null
 * @param objectSeen        for an unsafe prompt: whether its object is refused in alignment training; or null
 * @param verbSeen          for a prompt with an instruction verb: whether the verb is in alignment training; or null
 */
public record Example(String prompt, String response, Label label, String category, String split,
                      String compliantResponse, Boolean objectSeen, Boolean verbSeen) {

    public Example {
        if (prompt == null || response == null || label == null) {
            throw new IllegalArgumentException("an example needs a prompt, a response and a label");
        }
    }

    /** A plain example with no evaluation groups. */
    public static Example of(String prompt, String response, Label label) {
        return new Example(prompt, response, label, null, null, null, null, null);
    }

    /** A copy in another split. */
    public Example withSplit(String newSplit) {
        return new Example(prompt, response, label, category, newSplit, compliantResponse, objectSeen, verbSeen);
    }

    /** A copy with another response. */
    public Example withResponse(String newResponse) {
        return new Example(prompt, newResponse, label, category, split, compliantResponse, objectSeen, verbSeen);
    }

    /** The prompt's ids, with {@code <bos>} prepended and {@code <sep>} appended where missing. */
    public int[] promptIds(WordTokenizer tokenizer, UnknownWords unknown) {
        List<Integer> ids = ids(tokenizer, prompt, unknown, "prompt");
        if (ids.isEmpty() || ids.getFirst() != WordTokenizer.BOS_ID) {
            ids.addFirst(WordTokenizer.BOS_ID);
        }
        if (ids.getLast() != WordTokenizer.SEP_ID) {
            ids.add(WordTokenizer.SEP_ID);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The response's ids, ending with exactly one {@code <eos>} (appended where missing). */
    public int[] responseIds(WordTokenizer tokenizer, UnknownWords unknown) {
        return withEos(tokenizer, response, unknown, "response");
    }

    /** The compliant answer's ids ending with {@code <eos>}, or null when there is none. */
    public int[] compliantIds(WordTokenizer tokenizer, UnknownWords unknown) {
        return compliantResponse == null ? null : withEos(tokenizer, compliantResponse, unknown, "compliant_response");
    }

    /** Prompt and response as a training sequence. */
    public Sequence toSequence(WordTokenizer tokenizer, UnknownWords unknown) {
        return new Sequence(promptIds(tokenizer, unknown), responseIds(tokenizer, unknown));
    }

    private int[] withEos(WordTokenizer tokenizer, String text, UnknownWords unknown, String field) {
        List<Integer> ids = ids(tokenizer, text, unknown, field);
        int eos = ids.indexOf(WordTokenizer.EOS_ID);
        if (eos >= 0 && eos != ids.size() - 1) {
            throw new IllegalArgumentException(field + " '" + text + "' has " + WordTokenizer.EOS
                + " before its end (everything after it would be trained but never generated)");
        }
        if (eos < 0) {
            ids.add(WordTokenizer.EOS_ID);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<Integer> ids(WordTokenizer tokenizer, String text, UnknownWords unknown, String field) {
        List<Integer> ids = new ArrayList<>();
        for (String piece : tokenizer.split(text)) {
            int id = tokenizer.idOrUnk(piece);
            if (id == WordTokenizer.UNK_ID && !piece.equals(WordTokenizer.UNK) && unknown == UnknownWords.FAIL) {
                throw new IllegalArgumentException("word '" + piece + "' of the " + field + " '" + text
                    + "' is not in the vocabulary (" + tokenizer.vocabSize() + " tokens); use UnknownWords.UNK to map it to "
                    + WordTokenizer.UNK);
            }
            ids.add(id);
        }
        return ids;
    }
}
