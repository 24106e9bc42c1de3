package dev.alignguard.proofs.model;

import static org.quicktheories.generators.SourceDSL.integers;

import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.TokenizerTexts;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    private static final Set<String> DROPPED = Set.of(WordTokenizer.PAD, WordTokenizer.BOS, WordTokenizer.EOS);

    private static Path dir;
    private static final AtomicLong COUNTER = new AtomicLong();

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("tokenizer-properties");
    }

    @AfterAll
    static void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void decodeOfEncodeIsTheNormalisedSentence() {
        Laws.qt(200).forAll(TokenizerTexts.corpora(), TokenizerTexts.picks(), Gaussians.seeds())
            .checkAssert(WordTokenizerProperties::decodeOfEncode);
    }

    private static void decodeOfEncode(List<String> corpus, List<Integer> picks, long seed) {
        WordTokenizer t = WordTokenizer.fromCorpus(corpus, "<refuse>");
        List<String> pool = new ArrayList<>(t.words());
        pool.addAll(List.of(WordTokenizer.SEP, WordTokenizer.UNK, "<refuse>"));
        List<String> pieces = picks.stream().map(i -> pool.get(i % pool.size())).toList();
        String sentence = TokenizerTexts.join(pieces, new Random(seed));
        String normalised = String.join(" ", pieces);

        check(t.split(sentence).equals(pieces), () -> "split " + show(sentence) + " = " + t.split(sentence) + ", not " + pieces);
        check(t.normalise(sentence).equals(normalised), () -> "normalise " + show(sentence));
        int[] ids = t.encode(sentence);
        check(t.decode(ids).equals(normalised), () -> "decode(encode(" + show(sentence) + ")) = " + show(t.decode(ids)));
        check(Arrays.stream(ids).allMatch(id -> id != WordTokenizer.UNK_ID) || pieces.contains(WordTokenizer.UNK),
            () -> "a vocabulary piece encoded as <unk>");
    }

    @Test
    void anyTextEncodesAndDecodesUnknownPiecesAsUnk() {
        Laws.qt(200).forAll(TokenizerTexts.corpora(), TokenizerTexts.anyText()).checkAssert(WordTokenizerProperties::anyText);
    }

    private static void anyText(List<String> corpus, String text) {
        WordTokenizer t = WordTokenizer.fromCorpus(corpus, "<refuse>");
        List<String> pieces = t.split(text);
        if (pieces.stream().anyMatch(DROPPED::contains)) {
            return;   // decode omits or stops at these by design
        }
        String expected = String.join(" ", pieces.stream().map(p -> t.contains(p) ? p : WordTokenizer.UNK).toList());
        check(t.decode(t.encode(text)).equals(expected), () -> "decode(encode(" + show(text) + "))");
        check(t.split(t.normalise(text)).equals(pieces), () -> "normalising is idempotent on " + show(text));
    }

    @Test
    void vocabularyIgnoresCorpusOrderAndLimitsKeepAPrefix() {
        Laws.qt(100).forAll(TokenizerTexts.corpora(), Gaussians.seeds(), integers().between(6, 40))
            .checkAssert(WordTokenizerProperties::vocabulary);
    }

    private static void vocabulary(List<String> corpus, long seed, int maxSize) {
        WordTokenizer t = WordTokenizer.fromCorpus(corpus, "<refuse>");
        List<String> shuffled = new ArrayList<>(corpus);
        Collections.shuffle(shuffled, new Random(seed));
        check(t.equals(WordTokenizer.fromCorpus(shuffled, "<refuse>")), () -> "order changed the vocabulary");
        WordTokenizer small = WordTokenizer.fromCorpus(corpus, List.of("<refuse>"), maxSize);
        check(small.vocabSize() == Math.min(maxSize, t.vocabSize()), () -> "size " + small.vocabSize());
        check(small.words().equals(t.words().subList(0, small.words().size())), () -> "not a prefix: " + small.words());
        check(small.specials().equals(t.specials()), () -> "specials changed");
    }

    @Test
    void saveThenLoadIsEqual() {
        Laws.qt(100).forAll(TokenizerTexts.corpora(), TokenizerTexts.anyText())
            .checkAssert((corpus, probe) -> Laws.unchecked(() -> saveThenLoad(corpus, probe)));
    }

    private static void saveThenLoad(List<String> corpus, String probe) throws IOException {
        WordTokenizer t = WordTokenizer.fromCorpus(corpus, "<refuse>", "<x_1>");
        Path file = dir.resolve(COUNTER.incrementAndGet() + "-" + WordTokenizer.FILE_NAME);
        t.save(file);
        WordTokenizer loaded = WordTokenizer.load(file);
        check(t.equals(loaded) && t.hashCode() == loaded.hashCode(), () -> "loaded " + loaded + " differs from " + t);
        check(Arrays.equals(t.encode(probe), loaded.encode(probe)), () -> "encodings differ for " + show(probe));
        Files.delete(file);
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
