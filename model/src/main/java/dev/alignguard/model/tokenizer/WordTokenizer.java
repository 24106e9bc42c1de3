package dev.alignguard.model.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.alignguard.model.safetensors.AtomicFiles;
import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.JsonMappers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A word-level tokenizer for the synthetic benchmark's small closed vocabulary: one id per word,
 * no subwords, so every id is a word a reader can see in a report.
 *
 * <h2>Ids</h2>
 * The fixed specials take the lowest ids: {@code <pad>}=0, {@code <bos>}=1, {@code <eos>}=2,
 * {@code <sep>}=3, {@code <unk>}=4; extra specials (such as {@code <refuse>}) follow in the order
 * given, then the words.
 *
 * <h2>Splitting ({@link #split})</h2>
 * Scanning the text left to right: a special's literal text (e.g. {@code <sep>}) is one piece
 * wherever it occurs (longest special first); whitespace separates pieces and is dropped; a
 * maximal run of word characters (Unicode letters, digits, combining marks, {@code _}) is one
 * piece; every other character (punctuation, symbols: {@code ? . , ' - <}) is a piece on its own.
 * This is BERT's basic rule without lowercasing or accent stripping: case is kept, and
 * {@code "don't"} is three pieces. Unknown pieces encode as {@code <unk>}.
 *
 * <h2>Vocabulary ({@link #fromCorpus})</h2>
 * Words are ordered by corpus frequency, most frequent first, ties broken by
 * {@link String#compareTo} (UTF-16 order), so the same corpus always gives the same ids and a
 * size limit keeps the most frequent words.
 *
 * <h2>Decoding ({@link #decode})</h2>
 * Pieces are joined with single spaces, {@code <pad>} and {@code <bos>} are omitted, decoding stops
 * at the first {@code <eos>}, other specials appear as their literal text. So for a text whose
 * pieces are all in the vocabulary and which holds no {@code <pad>}, {@code <bos>} or {@code <eos>},
 * {@code decode(encode(s)).equals(normalise(s))}.
 *
 * <p>Instances are immutable; equality is by the id-to-token table.
 */
public final class WordTokenizer {

    /** The conventional file name for a saved tokenizer. */
    public static final String FILE_NAME = "tokenizer.json";

    public static final String PAD = "<pad>";
    public static final String BOS = "<bos>";
    public static final String EOS = "<eos>";
    public static final String SEP = "<sep>";
    public static final String UNK = "<unk>";
    public static final int PAD_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    public static final int SEP_ID = 3;
    public static final int UNK_ID = 4;
    /** The fixed specials, in id order. */
    public static final List<String> FIXED_SPECIALS = List.of(PAD, BOS, EOS, SEP, UNK);

    private static final String FORMAT = "alignguard-word-tokenizer";
    private static final int VERSION = 1;
    private static final Pattern SPECIAL = Pattern.compile("<[^\\s<>]+>");
    private static final ObjectMapper JSON = JsonMappers.mapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** id to token text: specials first, then words. */
    private final List<String> tokens;
    private final int specialCount;
    private final Map<String, Integer> ids;
    /** Specials sorted longest first, so the longest literal wins when one is a prefix of another. */
    private final List<String> specialsLongestFirst;

    private WordTokenizer(List<String> specials, List<String> words) {
        List<String> all = new ArrayList<>(specials.size() + words.size());
        all.addAll(specials);
        all.addAll(words);
        this.tokens = List.copyOf(all);
        this.specialCount = specials.size();
        this.ids = new HashMap<>();
        List<String> sorted = new ArrayList<>(specials);
        sorted.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
        this.specialsLongestFirst = List.copyOf(sorted);
        for (int i = 0; i < tokens.size(); i++) {
            if (ids.putIfAbsent(tokens.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate token " + show(tokens.get(i)));
            }
        }
        for (String s : specials.subList(FIXED_SPECIALS.size(), specials.size())) {
            if (!SPECIAL.matcher(s).matches()) {
                throw new IllegalArgumentException("special token " + show(s) + " is not of the form <name> (no whitespace or <>)");
            }
        }
        for (String w : words) {
            if (!split(w).equals(List.of(w)) || specials.contains(w)) {
                throw new IllegalArgumentException("word " + show(w) + " is not a single piece under the splitting rule");
            }
        }
    }

    /** A tokenizer with the fixed specials, then {@code extraSpecials}, then {@code words}, in the given order. */
    public static WordTokenizer of(List<String> extraSpecials, List<String> words) {
        return new WordTokenizer(withFixed(extraSpecials), words);
    }

    /** A tokenizer over every piece of the corpus, with extra specials such as {@code "<refuse>"}. */
    public static WordTokenizer fromCorpus(Iterable<String> corpus, String... extraSpecials) {
        return fromCorpus(corpus, List.of(extraSpecials), Integer.MAX_VALUE);
    }

    /**
     * A tokenizer over the corpus's pieces, most frequent first (ties in {@link String#compareTo}
     * order), keeping at most {@code maxVocabSize} tokens in all, specials included.
     */
    public static WordTokenizer fromCorpus(Iterable<String> corpus, List<String> extraSpecials, int maxVocabSize) {
        List<String> specials = withFixed(extraSpecials);
        if (maxVocabSize < specials.size()) {
            throw new IllegalArgumentException("maxVocabSize " + maxVocabSize + " is below the " + specials.size() + " specials");
        }
        WordTokenizer splitter = new WordTokenizer(specials, List.of());
        Map<String, Long> counts = new HashMap<>();
        for (String line : corpus) {
            for (String piece : splitter.split(line)) {
                if (!splitter.ids.containsKey(piece)) {
                    counts.merge(piece, 1L, Long::sum);
                }
            }
        }
        List<String> words = counts.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
            .limit(maxVocabSize - specials.size())
            .map(Map.Entry::getKey)
            .toList();
        return new WordTokenizer(specials, words);
    }

    private static List<String> withFixed(List<String> extraSpecials) {
        List<String> specials = new ArrayList<>(FIXED_SPECIALS);
        specials.addAll(extraSpecials);
        return specials;
    }

    /** The pieces of {@code text} under the splitting rule in the class comment. */
    public List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        int i = 0;
        int n = text.length();
        int wordStart = -1;
        while (i < n) {
            String special = specialAt(text, i);
            int cp = text.codePointAt(i);
            boolean word = special == null && isWordChar(cp);
            if (!word && wordStart >= 0) {
                pieces.add(text.substring(wordStart, i));
                wordStart = -1;
            }
            if (special != null) {
                pieces.add(special);
                i += special.length();
                continue;
            }
            if (word) {
                if (wordStart < 0) {
                    wordStart = i;
                }
            } else if (!isSpace(cp)) {
                pieces.add(new String(Character.toChars(cp)));
            }
            i += Character.charCount(cp);
        }
        if (wordStart >= 0) {
            pieces.add(text.substring(wordStart));
        }
        return pieces;
    }

    /** The pieces of {@code text} joined by single spaces: what {@link #decode} gives back. */
    public String normalise(String text) {
        return String.join(" ", split(text));
    }

    /** The ids of the pieces of {@code text}; unknown pieces become {@link #UNK_ID}. No bos/eos is added. */
    public int[] encode(String text) {
        return split(text).stream().mapToInt(this::idOrUnk).toArray();
    }

    /** Text of the ids, as the class comment describes: specials pad/bos omitted, stops at eos. */
    public String decode(int[] ids) {
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            if (id == EOS_ID) {
                break;
            }
            if (id == PAD_ID || id == BOS_ID) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(token(id));
        }
        return out.toString();
    }

    /** Every id's token text, specials included, nothing skipped: for debugging and reports. */
    public List<String> tokens(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(token(id));
        }
        return out;
    }

    /** The text of one id. */
    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IllegalArgumentException("id " + id + " is outside the vocabulary [0, " + tokens.size() + ")");
        }
        return tokens.get(id);
    }

    /** The id of a token, or {@link #UNK_ID} when it is not in the vocabulary. */
    public int idOrUnk(String token) {
        return ids.getOrDefault(token, UNK_ID);
    }

    /** Whether the token is in the vocabulary (as a word or a special). */
    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    /** The id of a special token, e.g. {@code specialId("<refuse>")}. */
    public int specialId(String special) {
        Integer id = ids.get(special);
        if (id == null || id >= specialCount) {
            throw new IllegalArgumentException("no special token " + show(special) + " (have " + specials() + ")");
        }
        return id;
    }

    /** Whether the id is a special token. */
    public boolean isSpecial(int id) {
        return id >= 0 && id < specialCount;
    }

    /** Number of tokens, specials included: the embedding table's row count. */
    public int vocabSize() {
        return tokens.size();
    }

    /** The special tokens in id order. */
    public List<String> specials() {
        return tokens.subList(0, specialCount);
    }

    /** The words in id order (their ids start at {@code specials().size()}). */
    public List<String> words() {
        return tokens.subList(specialCount, tokens.size());
    }

    // ---------------------------------------------------------------- persistence

    /**
     * Saves in the Hugging Face {@code tokenizers} format ({@link HfTokenizerJson}: a WordLevel model,
     * the specials declared in {@code added_tokens}), so {@code tokenizers} and {@code transformers}
     * load it; atomically.
     */
    public void save(Path file) throws IOException {
        AtomicFiles.write(file, JSON.writeValueAsBytes(HfTokenizerJson.write(this, JSON)));
    }

    /**
     * Loads a {@code tokenizer.json}: the Hugging Face format {@link #save} writes, or this framework's
     * older format ({@code {"type": "alignguard-word-tokenizer", "version": 1, "specials": [...],
     * "words": [...]}}), refusing anything else, anything malformed, or anything beyond the
     * {@link InputLimits} JSON limits, with a {@link TokenizerFormatException} naming the file and the field.
     */
    public static WordTokenizer load(Path file) throws IOException {
        String text = InputLimits.readJsonDocument(file, "a tokenizer", TokenizerFormatException::new);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new TokenizerFormatException(file, JsonMappers.describe(e));
        }
        if (root == null || !root.isObject()) {
            throw new TokenizerFormatException(file, "not a JSON object");
        }
        if (HfTokenizerJson.isHf(root)) {
            return HfTokenizerJson.read(file, root, JSON);
        }
        return loadOwnFormat(file, root);
    }

    /** The framework's format before tokenizer.json followed Hugging Face's (still read). */
    private static WordTokenizer loadOwnFormat(Path file, JsonNode root) throws TokenizerFormatException {
        Set<String> known = Set.of("type", "version", "specials", "words");
        for (Map.Entry<String, JsonNode> kv : root.properties()) {
            if (!known.contains(kv.getKey())) {
                throw new TokenizerFormatException(file, "unexpected field " + show(kv.getKey()));
            }
        }
        JsonNode type = root.get("type");
        if (type == null || !FORMAT.equals(type.textValue())) {
            throw new TokenizerFormatException(file, "\"type\" is not \"" + FORMAT + "\" and there is no \"model\": expected a"
                + " Hugging Face tokenizers file (a WordLevel \"model\") or this framework's older format");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isIntegralNumber() || version.asLong() != VERSION) {
            throw new TokenizerFormatException(file, "unsupported \"version\" " + version + " (expected " + VERSION + ")");
        }
        List<String> specials = strings(file, root, "specials");
        List<String> words = strings(file, root, "words");
        if (specials.size() < FIXED_SPECIALS.size() || !specials.subList(0, FIXED_SPECIALS.size()).equals(FIXED_SPECIALS)) {
            throw new TokenizerFormatException(file, "\"specials\" must start with " + FIXED_SPECIALS);
        }
        try {
            return new WordTokenizer(specials, words);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFormatException(file, e.getMessage());
        }
    }

    private static List<String> strings(Path file, JsonNode root, String field) throws TokenizerFormatException {
        JsonNode node = root.get(field);
        if (node == null || !node.isArray()) {
            throw new TokenizerFormatException(file, "\"" + field + "\" is missing or not an array");
        }
        List<String> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                throw new TokenizerFormatException(file, "\"" + field + "\"[" + i + "] is not a string");
            }
            out.add(node.get(i).textValue());
        }
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private String specialAt(String text, int i) {
        if (text.charAt(i) != '<') {
            return null;
        }
        for (String s : specialsLongestFirst) {
            if (text.startsWith(s, i)) {
                return s;
            }
        }
        return null;
    }

    private static boolean isWordChar(int cp) {
        if (cp == '_' || Character.isLetterOrDigit(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
            || type == Character.ENCLOSING_MARK;
    }

    private static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    private static String show(String s) {
        return "'" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "'";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WordTokenizer t && specialCount == t.specialCount && tokens.equals(t.tokens);
    }

    @Override
    public int hashCode() {
        return 31 * specialCount + tokens.hashCode();
    }

    @Override
    public String toString() {
        return "WordTokenizer[" + tokens.size() + " tokens, specials " + specials() + "]";
    }
}
