package dev.alignguard.proofs.model;

import dev.alignguard.model.tokenizer.WordTokenizer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Laws of the word tokenizer: decoding an encoding gives the normalised text back (pieces joined by
 * single spaces) for text over the vocabulary; unknown pieces come back as {@code <unk>} and nothing
 * throws for any text; the vocabulary does not depend on corpus order, and a size limit keeps a
 * prefix of it; saving then loading gives an equal tokenizer.
 */
class WordTokenizerProperties {

    private static final String[] LETTERS = {"a", "b", "c", "x", "Z", "é", "ß", "层", "0", "7", "_"};
    private static final String[] PUNCTUATION = {"?", ".", ",", "!", "'", "-", "(", ")", ":"};
    private static final String[] SPACES = {" ", "  ", "\t", "\n", " \u00A0"};
    private static final Set<String> DROPPED = Set.of(WordTokenizer.PAD, WordTokenizer.BOS, WordTokenizer.EOS);

    private static Path dir;
    private static final AtomicLong COUNTER = new AtomicLong();

    @BeforeContainer
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("tokenizer-properties");
    }

    @AfterContainer
    static void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Property(tries = 200)
    void decodeOfEncodeIsTheNormalisedSentence(@ForAll("corpora") List<String> corpus,
                                              @ForAll("picks") List<Integer> picks,
                                              @ForAll long seed) {
        WordTokenizer t = WordTokenizer.fromCorpus(corpus, "<refuse>");
        List<String> pool = new ArrayList<>(t.words());
        pool.addAll(List.of(WordTokenizer.SEP, WordTokenizer.UNK, "<refuse>"));
        List<String> pieces = picks.stream().map(i -> pool.get(i % pool.size())).toList();
        String sentence = join(pieces, new Random(seed));
        String normalised = String.join(" ", pieces);

        check(t.split(sentence).equals(pieces), () -> "split " + show(sentence) + " = " + t.split(sentence) + ", not " + pieces);
        check(t.normalise(sentence).equals(normalised), () -> "normalise " + show(sentence));
        int[] ids = t.encode(sentence);
        check(t.decode(ids).equals(normalised), () -> "decode(encode(" + show(sentence) + ")) = " + show(t.decode(ids)));
        check(Arrays.stream(ids).allMatch(id -> id != WordTokenizer.UNK_ID) || pieces.contains(WordTokenizer.UNK),
                () -> "a vocabulary piece encoded as <unk>");
    }

    @Property(tries = 200)
    void anyTextEncodesAndDecodesUnknownPiecesAsUnk(@ForAll("corpora") List<String> corpus, @ForAll String text) {
        WordTokenizer t = WordTokenizer.fromCorpus(corpus, "<refuse>");
        List<String> pieces = t.split(text);
        if (pieces.stream().anyMatch(DROPPED::contains)) {
            return;   // decode omits or stops at these by design
        }
        String expected = String.join(" ", pieces.stream().map(p -> t.contains(p) ? p : WordTokenizer.UNK).toList());
        check(t.decode(t.encode(text)).equals(expected), () -> "decode(encode(" + show(text) + "))");
        check(t.split(t.normalise(text)).equals(pieces), () -> "normalising is idempotent on " + show(text));
    }

    @Property(tries = 100)
    void vocabularyIgnoresCorpusOrderAndLimitsKeepAPrefix(@ForAll("corpora") List<String> corpus, @ForAll long seed,
                                                           @ForAll @IntRange(min = 6, max = 40) int maxSize) {
        WordTokenizer t = WordTokenizer.fromCorpus(corpus, "<refuse>");
        List<String> shuffled = new ArrayList<>(corpus);
        Collections.shuffle(shuffled, new Random(seed));
        check(t.equals(WordTokenizer.fromCorpus(shuffled, "<refuse>")), () -> "order changed the vocabulary");
        WordTokenizer small = WordTokenizer.fromCorpus(corpus, List.of("<refuse>"), maxSize);
        check(small.vocabSize() == Math.min(maxSize, t.vocabSize()), () -> "size " + small.vocabSize());
        check(small.words().equals(t.words().subList(0, small.words().size())), () -> "not a prefix: " + small.words());
        check(small.specials().equals(t.specials()), () -> "specials changed");
    }

    @Property(tries = 100)
    void saveThenLoadIsEqual(@ForAll("corpora") List<String> corpus, @ForAll String probe) throws IOException {
        WordTokenizer t = WordTokenizer.fromCorpus(corpus, "<refuse>", "<x_1>");
        Path file = dir.resolve(COUNTER.incrementAndGet() + "-" + WordTokenizer.FILE_NAME);
        t.save(file);
        WordTokenizer loaded = WordTokenizer.load(file);
        check(t.equals(loaded) && t.hashCode() == loaded.hashCode(), () -> "loaded " + loaded + " differs from " + t);
        check(Arrays.equals(t.encode(probe), loaded.encode(probe)), () -> "encodings differ for " + show(probe));
        Files.delete(file);
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<List<String>> corpora() {
        Arbitrary<String> words = Arbitraries.of(LETTERS).list().ofMinSize(1).ofMaxSize(5).map(l -> String.join("", l));
        Arbitrary<String> pieces = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, words), net.jqwik.api.Tuple.of(1, Arbitraries.of(PUNCTUATION)));
        Arbitrary<String> sentences = Combinators.combine(pieces.list().ofMinSize(1).ofMaxSize(10), Arbitraries.longs())
                .as((p, seed) -> join(p, new Random(seed)));
        return sentences.list().ofMinSize(1).ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<Integer>> picks() {
        return Arbitraries.integers().between(0, 10_000).list().ofMaxSize(12);
    }

    /** Joins pieces with random whitespace, or with nothing where two pieces cannot merge into one. */
    private static String join(List<String> pieces, Random random) {
        StringBuilder b = new StringBuilder(random.nextBoolean() ? SPACES[random.nextInt(SPACES.length)] : "");
        for (int i = 0; i < pieces.size(); i++) {
            if (i > 0) {
                boolean mayTouch = !(isWord(pieces.get(i - 1)) && isWord(pieces.get(i)));
                b.append(mayTouch && random.nextBoolean() ? "" : SPACES[random.nextInt(SPACES.length)]);
            }
            b.append(pieces.get(i));
        }
        return b.toString();
    }

    private static boolean isWord(String piece) {
        return piece.codePoints().allMatch(cp -> cp == '_' || Character.isLetterOrDigit(cp));
    }

    private static void check(boolean condition, Supplier<String> message) {
        if (!condition) {
            throw new AssertionError(message.get());
        }
    }

    private static String show(String s) {
        return '"' + Objects.toString(s).replace("\n", "\\n").replace("\t", "\\t") + '"';
    }
}
