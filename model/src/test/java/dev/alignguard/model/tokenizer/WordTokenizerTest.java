package dev.alignguard.model.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WordTokenizerTest {

    private static final List<String> CORPUS = List.of(
        "how do I bake bread ?",
        "how do I pick a lock ?",
        "I cannot help with that . <refuse>",
        "bake the bread , then eat it .");

    @TempDir
    Path dir;

    @Test
    void specialsHaveFixedLowIds() {
        WordTokenizer t = WordTokenizer.fromCorpus(CORPUS, "<refuse>");
        assertEquals(List.of("<pad>", "<bos>", "<eos>", "<sep>", "<unk>", "<refuse>"), t.specials());
        assertEquals(0, t.idOrUnk("<pad>"));
        assertEquals(WordTokenizer.UNK_ID, t.idOrUnk("<unk>"));
        assertEquals(5, t.specialId("<refuse>"));
        assertTrue(t.isSpecial(5));
        assertFalse(t.isSpecial(6));
        assertThrows(IllegalArgumentException.class, () -> t.specialId("how"));
    }

    @Test
    void vocabularyIsOrderedByFrequencyThenLexicographically() {
        WordTokenizer t = WordTokenizer.fromCorpus(CORPUS, "<refuse>");
        // I:3; ?,.,bake,bread,do,how:2; the rest once, in String order (',' < 'a' < 'c' ...)
        assertEquals(List.of("I", ".", "?", "bake", "bread", "do", "how",
            ",", "a", "cannot", "eat", "help", "it", "lock", "pick", "that", "the", "then", "with"), t.words());
        assertEquals(t, WordTokenizer.fromCorpus(CORPUS.reversed(), "<refuse>"), "corpus order does not matter");
        WordTokenizer small = WordTokenizer.fromCorpus(CORPUS, List.of("<refuse>"), 9);
        assertEquals(List.of("I", ".", "?"), small.words());
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.fromCorpus(CORPUS, List.of("<refuse>"), 5));
    }

    @Test
    void splittingSeparatesPunctuationAndRecognisesSpecials() {
        WordTokenizer t = WordTokenizer.fromCorpus(CORPUS, "<refuse>");
        assertEquals(List.of("how", "do", "I", "bake", "bread", "?"), t.split("  how do I\tbake bread?"));
        assertEquals(List.of("don", "'", "t", ",", "stop", "!"), t.split("don't,stop!"));
        assertEquals(List.of("a", "<sep>", "b", "<refuse>", "."), t.split("a<sep>b <refuse>."));
        assertEquals(List.of("<", "other", ">", "<", "<eos>"), t.split("<other><<eos>"));
        assertEquals(List.of("café", "x_1", "2", "+", "2"), t.split("café x_1 2+2"));
        assertEquals(List.of(), t.split(" \n\u00A0"));
        assertEquals("how do I bake bread ?", t.normalise("how do I bake bread?"));
    }

    @Test
    void encodeDecodeRoundTripsNormalisedText() {
        WordTokenizer t = WordTokenizer.fromCorpus(CORPUS, "<refuse>");
        String s = "how do I pick a lock? <sep> I cannot help with that.<refuse>";
        int[] ids = t.encode(s);
        assertEquals(t.normalise(s), t.decode(ids));
        assertEquals(List.of("how", "zebra", "?"), List.of(t.decode(t.encode("how zebra?")).split(" ")).stream()
            .map(w -> w.equals("<unk>") ? "zebra" : w).toList());
        assertArrayEquals(new int[] {t.idOrUnk("how"), WordTokenizer.UNK_ID}, t.encode("how zebra"));
    }

    @Test
    void decodeSkipsPadAndBosAndStopsAtEos() {
        WordTokenizer t = WordTokenizer.fromCorpus(CORPUS, "<refuse>");
        int how = t.idOrUnk("how");
        int bread = t.idOrUnk("bread");
        int[] ids = {WordTokenizer.BOS_ID, how, WordTokenizer.PAD_ID, WordTokenizer.SEP_ID, bread, 5, WordTokenizer.EOS_ID, how};
        assertEquals("how <sep> bread <refuse>", t.decode(ids));
        assertEquals(List.of("<bos>", "how", "<pad>", "<sep>", "bread", "<refuse>", "<eos>", "how"), t.tokens(ids));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {t.vocabSize()}));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
    }

    @Test
    void explicitVocabulariesAreValidated() {
        WordTokenizer t = WordTokenizer.of(List.of("<refuse>"), List.of("yes", "no", "?"));
        assertEquals(9, t.vocabSize());
        assertEquals(6, t.idOrUnk("yes"));
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.of(List.of(), List.of("two words")));
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.of(List.of(), List.of("yes", "yes")));
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.of(List.of(), List.of("a?")));
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.of(List.of(), List.of("<sep>")));
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.of(List.of(), List.of("")));
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.of(List.of("refuse"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.of(List.of("<pad>"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> WordTokenizer.of(List.of("<a b>"), List.of()));
    }

    @Test
    void equalityFollowsTheTable() {
        WordTokenizer a = WordTokenizer.of(List.of(), List.of("x", "y"));
        assertEquals(a, WordTokenizer.of(List.of(), List.of("x", "y")));
        assertEquals(a.hashCode(), WordTokenizer.of(List.of(), List.of("x", "y")).hashCode());
        assertNotEquals(a, WordTokenizer.of(List.of(), List.of("y", "x")));
        assertNotEquals(a, WordTokenizer.of(List.of("<x>"), List.of("y")));
    }

    @Test
    void saveAndLoadRoundTripAtomically() throws IOException {
        WordTokenizer t = WordTokenizer.fromCorpus(List.of("ünïcödé \"quoted\" back\\slash ✓ 😀"), "<refuse>", "<r2>");
        Path file = dir.resolve(WordTokenizer.FILE_NAME);
        t.save(file);
        t.save(file);
        assertEquals(t, WordTokenizer.load(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void loadRefusesMalformedFilesNamingThem() throws IOException {
        String good = "\"type\":\"alignguard-word-tokenizer\",\"version\":1,";
        String fixed = "\"<pad>\",\"<bos>\",\"<eos>\",\"<sep>\",\"<unk>\"";
        refused("not json", "not valid JSON");
        refused("[]", "not a JSON object");
        refused("{" + good + "\"specials\":[" + fixed + "]}", "\"words\" is missing or not an array");
        refused("{\"type\":\"bpe\",\"version\":1,\"specials\":[" + fixed + "],\"words\":[]}", "\"type\" is not");
        refused("{\"type\":\"alignguard-word-tokenizer\",\"version\":2,\"specials\":[" + fixed + "],\"words\":[]}",
            "unsupported \"version\"");
        refused("{" + good + "\"specials\":[\"<pad>\"],\"words\":[]}", "\"specials\" must start with");
        refused("{" + good + "\"specials\":[" + fixed + "],\"words\":[1]}", "\"words\"[0] is not a string");
        refused("{" + good + "\"specials\":[" + fixed + "],\"words\":[\"a\",\"a\"]}", "duplicate token 'a'");
        refused("{" + good + "\"specials\":[" + fixed + "],\"words\":[\"a b\"]}", "not a single piece");
        refused("{" + good + "\"specials\":[" + fixed + ",\"oops\"],\"words\":[]}", "not of the form <name>");
        refused("{" + good + "\"specials\":[" + fixed + "],\"words\":[],\"extra\":0}", "unexpected field 'extra'");
        refused("{" + good + "\"type\":\"x\",\"specials\":[" + fixed + "],\"words\":[]}", "not valid JSON");
    }

    /** The exact file for a tiny tokenizer; {@code tokenizers} 0.23.2 loaded this shape and encoded as {@link #split} does. */
    @Test
    void savesTheHuggingFaceTokenizersFormat() throws IOException {
        WordTokenizer t = WordTokenizer.of(List.of("<refuse>"), List.of("what", "?"));
        Path file = dir.resolve(WordTokenizer.FILE_NAME);
        t.save(file);
        String added = "";
        List<String> specials = List.of("<pad>", "<bos>", "<eos>", "<sep>", "<unk>", "<refuse>");
        for (int i = 0; i < specials.size(); i++) {
            added += (i == 0 ? "" : ",") + "{\"id\":" + i + ",\"content\":\"" + specials.get(i) + "\",\"single_word\":false,"
                + "\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}";
        }
        String expected = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[" + added + "],"
            + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\w+|[^\\\\w\\\\s]\"},"
            + "\"behavior\":\"Removed\",\"invert\":true},\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":"
            + "\"WordLevel\",\"vocab\":{\"<pad>\":0,\"<bos>\":1,\"<eos>\":2,\"<sep>\":3,\"<unk>\":4,\"<refuse>\":5,\"what\":6,"
            + "\"?\":7},\"unk_token\":\"<unk>\"}}";
        assertEquals(expected, Files.readString(file).replaceAll("\\s+", ""));
        assertEquals(t, WordTokenizer.load(file));
    }

    @Test
    void stillLoadsTheOlderOwnFormat() throws IOException {
        Path file = dir.resolve("old.json");
        Files.writeString(file, "{\"type\":\"alignguard-word-tokenizer\",\"version\":1,\"specials\":[\"<pad>\",\"<bos>\","
            + "\"<eos>\",\"<sep>\",\"<unk>\",\"<refuse>\"],\"words\":[\"what\",\"?\"]}");
        assertEquals(WordTokenizer.of(List.of("<refuse>"), List.of("what", "?")), WordTokenizer.load(file));
    }

    @Test
    void refusesHuggingFaceFilesItCannotHonour() throws IOException {
        WordTokenizer t = WordTokenizer.of(List.of("<refuse>"), List.of("what", "?"));
        Path file = dir.resolve(WordTokenizer.FILE_NAME);
        t.save(file);
        String good = Files.readString(file);
        refused(good.replace("\"WordLevel\"", "\"BPE\""), "only a \"WordLevel\" model");
        refused(good.replace("\"unk_token\" : \"<unk>\"", "\"unk_token\" : \"<pad>\""), "\"unk_token\"");
        refused(good.replace("\"normalizer\" : null", "\"normalizer\" : {\"type\": \"Lowercase\"}"), "\"normalizer\" is set");
        refused(good.replace("\"Removed\"", "\"Isolated\""), "\"pre_tokenizer\" is");
        refused(good.replace("\"what\" : 6", "\"what\" : 9"), "ids must be 0..7");
        refused(good.replace("\"what\" : 6", "\"what\" : 7"), "id 7 is given to both");
        refused(good.replace("\"special\" : true\n  } ]", "\"special\" : false\n  } ]"), "is not \"special\": true");
        refused(good.replace("\"content\" : \"<bos>\"", "\"content\" : \"<eos>\""), "\"added_tokens\"[1] has \"content\"");
        refused(good.replace("\"<bos>\" : 1", "\"<xx>\" : 1").replace("\"content\" : \"<bos>\"", "\"content\" : \"<xx>\""),
            "must start with");
    }

    private void refused(String content, String problem) throws IOException {
        Path file = Files.createTempFile(dir, "tok", ".json");
        Files.writeString(file, content);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> WordTokenizer.load(file));
        assertTrue(e.problem().contains(problem), () -> "expected '" + problem + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e::getMessage);
    }
}
