package dev.alignguard.proofs.gen;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.alignguard.model.tokenizer.WordTokenizer;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * Texts for the word tokenizer: corpora of sentences over a small alphabet (ASCII, accented,
 * CJK, digits, underscore) and punctuation, joined by random whitespace (tabs, newlines, no-break
 * spaces); index lists to pick vocabulary pieces with; and arbitrary text.
 */
public final class TokenizerTexts {

    /** Letters that words are made of. */
    public static final List<String> LETTERS = List.of("a", "b", "c", "x", "Z", "é", "ß", "层", "0", "7", "_");
    /** Punctuation, each its own piece. */
    public static final List<String> PUNCTUATION = List.of("?", ".", ",", "!", "'", "-", "(", ")", ":");
    /** Separators between pieces. */
    public static final List<String> SPACES = List.of(" ", "  ", "\t", "\n", " \u00A0");

    private TokenizerTexts() {
    }

    /** Words of 1 to 5 letters. */
    public static Gen<String> words() {
        return SourceDSL.lists().of(SourceDSL.arbitrary().pick(LETTERS)).ofSizeBetween(1, 5).map(l -> String.join("", l));
    }

    /** Pieces: a word four times in five, punctuation otherwise. */
    public static Gen<String> pieces() {
        return Generate.frequency(Pair.of(4, words()), Pair.of(1, SourceDSL.arbitrary().pick(PUNCTUATION)));
    }

    /** Corpora: 1 to 12 sentences of 1 to 10 pieces, joined by {@link #join}. */
    public static Gen<List<String>> corpora() {
        Gen<String> sentences = SourceDSL.lists().of(pieces()).ofSizeBetween(1, 10)
            .zip(Gaussians.seeds(), (p, seed) -> join(p, new Random(seed)));
        return SourceDSL.lists().of(sentences).ofSizeBetween(1, 12);
    }

    /** Up to 12 indices in [0, 10000], to pick pieces of a vocabulary with (modulo its size). */
    public static Gen<List<Integer>> picks() {
        return SourceDSL.lists().of(SourceDSL.integers().between(0, 10_000)).ofSizeBetween(0, 12);
    }

    /**
     * Arbitrary text: half the time any code points (lone surrogates, controls and astral planes
     * included), up to 255 of them; otherwise a mix of tokenizer-relevant pieces (words, punctuation,
     * the special tokens and pieces that merely look like them, whitespace, odd code points).
     */
    public static Gen<String> anyText() {
        Gen<String> any = SourceDSL.strings().allPossible().ofLengthBetween(0, 255);
        List<String> specials = new ArrayList<>(WordTokenizer.FIXED_SPECIALS);
        specials.addAll(List.of("<refuse>", "<x_1>", "<", ">", "<>", "<unk", "unk>", "< unk >", "<UNK>"));
        Gen<String> piece = Generate.frequency(Pair.of(4, words()), Pair.of(2, SourceDSL.arbitrary().pick(PUNCTUATION)),
            Pair.of(2, SourceDSL.arbitrary().pick(specials)), Pair.of(2, SourceDSL.arbitrary().pick(SPACES)),
            Pair.of(1, SourceDSL.strings().allPossible().ofLengthBetween(1, 2)));
        Gen<String> mixed = SourceDSL.lists().of(piece).ofSizeBetween(0, 20).map(l -> String.join("", l));
        return Generate.oneOf(any, mixed);
    }

    /** Joins pieces with random whitespace, or with nothing where two pieces cannot merge into one. */
    public static String join(List<String> pieces, Random random) {
        StringBuilder b = new StringBuilder(random.nextBoolean() ? SPACES.get(random.nextInt(SPACES.size())) : "");
        for (int i = 0; i < pieces.size(); i++) {
            if (i > 0) {
                boolean mayTouch = !(isWord(pieces.get(i - 1)) && isWord(pieces.get(i)));
                b.append(mayTouch && random.nextBoolean() ? "" : SPACES.get(random.nextInt(SPACES.size())));
            }
            b.append(pieces.get(i));
        }
        return b.toString();
    }

    /** Whether a piece is a word (letters, digits, underscore), so that two of them must not touch. */
    public static boolean isWord(String piece) {
        return piece.codePoints().allMatch(cp -> cp == '_' || Character.isLetterOrDigit(cp));
    }
}
