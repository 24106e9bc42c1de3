package dev.alignguard.model.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A {@link WordTokenizer} as a Hugging Face {@code tokenizers} file ({@code tokenizer.json}), so that
 * {@code tokenizers.Tokenizer.from_file} and {@code transformers.PreTrainedTokenizerFast(tokenizer_file=...)}
 * load what this framework writes and encode a text to the same ids:
 * <pre>
 *   {"version": "1.0", "truncation": null, "padding": null,
 *    "added_tokens": [{"id": 0, "content": "&lt;pad&gt;", "single_word": false, "lstrip": false, "rstrip": false,
 *                      "normalized": false, "special": true}, ...],          every special, in id order
 *    "normalizer": null,
 *    "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\w+|[^\\w\\s]"}, "behavior": "Removed", "invert": true},
 *    "post_processor": null, "decoder": null,
 *    "model": {"type": "WordLevel", "vocab": {"&lt;pad&gt;": 0, ..., "word": 9}, "unk_token": "&lt;unk&gt;"}}
 * </pre>
 * The pre-tokenizer is the {@code Whitespace} pre-tokenizer of {@code tokenizers} ({@code \w+|[^\w\s]+},
 * the matches kept, whitespace dropped) with one change that makes it this tokenizer's splitting rule:
 * every non-word character is a piece of its own ({@code [^\w\s]}, not {@code [^\w\s]+}), so {@code "?."}
 * is two pieces here and there. Specials are matched before pre-tokenization on both sides ({@code added_tokens}).
 * The two regex engines agree on {@code \w} for letters, digits, combining marks and {@code _} (the
 * pieces this framework's worlds use); they may differ on rarer characters (letter numbers, connector
 * punctuation other than {@code _}).
 *
 * <p>Reading accepts exactly this shape: a WordLevel model whose ids are 0..n-1, {@code <unk>} as the
 * unknown token, the specials as the first ids (the fixed five first), each declared in
 * {@code added_tokens} as special, no normalizer and this pre-tokenizer (another splitting rule would
 * give other ids). {@code post_processor} and {@code decoder} are ignored: this framework frames
 * prompts itself ({@code <bos>}, {@code <sep>}, {@code <eos>}).
 */
final class HfTokenizerJson {

    /** The regular expression of the pre-tokenizer (class comment). */
    static final String PIECE_REGEX = "\\w+|[^\\w\\s]";

    private HfTokenizerJson() {
    }

    /** The file's JSON tree. */
    static ObjectNode write(WordTokenizer t, ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        List<String> specials = t.specials();
        for (int id = 0; id < specials.size(); id++) {
            ObjectNode a = added.addObject();
            a.put("id", id);
            a.put("content", specials.get(id));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", preTokenizer(json));
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < t.vocabSize(); id++) {
            vocab.put(t.token(id), id);
        }
        model.put("unk_token", WordTokenizer.UNK);
        return root;
    }

    private static ObjectNode preTokenizer(ObjectMapper json) {
        ObjectNode p = json.createObjectNode();
        p.put("type", "Split");
        p.putObject("pattern").put("Regex", PIECE_REGEX);
        p.put("behavior", "Removed");
        p.put("invert", true);
        return p;
    }

    /** Whether a parsed file is in this format (it has a {@code model}) rather than the framework's older one. */
    static boolean isHf(JsonNode root) {
        return root.has("model");
    }

    /** Specials and words of a file in this format; every refusal names the field. */
    static WordTokenizer read(Path file, JsonNode root, ObjectMapper json) throws TokenizerFormatException {
        JsonNode model = root.get("model");
        if (!model.isObject()) {
            throw new TokenizerFormatException(file, "\"model\" is not an object");
        }
        if (!"WordLevel".equals(model.path("type").textValue())) {
            throw new TokenizerFormatException(file, "\"model\".\"type\" is " + model.get("type")
                + "; only a \"WordLevel\" model (one id per word) is supported");
        }
        if (!WordTokenizer.UNK.equals(model.path("unk_token").textValue())) {
            throw new TokenizerFormatException(file, "\"model\".\"unk_token\" is " + model.get("unk_token") + "; expected \""
                + WordTokenizer.UNK + "\"");
        }
        JsonNode normalizer = root.get("normalizer");
        if (normalizer != null && !normalizer.isNull()) {
            throw new TokenizerFormatException(file, "\"normalizer\" is set; only null is supported (texts are not normalised)");
        }
        JsonNode pre = root.get("pre_tokenizer");
        if (pre == null || !pre.equals(preTokenizer(json))) {
            throw new TokenizerFormatException(file, "\"pre_tokenizer\" is " + show(pre) + "; expected {\"type\": \"Split\","
                + " \"pattern\": {\"Regex\": \"" + PIECE_REGEX.replace("\\", "\\\\") + "\"}, \"behavior\": \"Removed\","
                + " \"invert\": true} (another splitting rule would give other ids)");
        }
        List<String> tokens = vocabulary(file, model.get("vocab"));
        int specialCount = specials(file, root.get("added_tokens"), tokens);
        List<String> specials = tokens.subList(0, specialCount);
        if (specials.size() < WordTokenizer.FIXED_SPECIALS.size()
            || !specials.subList(0, WordTokenizer.FIXED_SPECIALS.size()).equals(WordTokenizer.FIXED_SPECIALS)) {
            throw new TokenizerFormatException(file, "the special tokens (ids 0..) must start with " + WordTokenizer.FIXED_SPECIALS
                + ", got " + abbreviate(specials));
        }
        try {
            return WordTokenizer.of(List.copyOf(specials.subList(WordTokenizer.FIXED_SPECIALS.size(), specials.size())),
                List.copyOf(tokens.subList(specialCount, tokens.size())));
        } catch (IllegalArgumentException e) {
            throw new TokenizerFormatException(file, e.getMessage());
        }
    }

    /** The vocabulary in id order; ids must be exactly 0..n-1. */
    private static List<String> vocabulary(Path file, JsonNode vocab) throws TokenizerFormatException {
        if (vocab == null || !vocab.isObject()) {
            throw new TokenizerFormatException(file, "\"model\".\"vocab\" is missing or not an object (token -> id)");
        }
        String[] byId = new String[vocab.size()];
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            JsonNode id = e.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0 || id.intValue() >= byId.length) {
                throw new TokenizerFormatException(file, "\"model\".\"vocab\": the id of " + show(e.getKey()) + " is " + id
                    + "; ids must be 0.." + (byId.length - 1) + ", one per token");
            }
            if (byId[id.intValue()] != null) {
                throw new TokenizerFormatException(file, "\"model\".\"vocab\": id " + id + " is given to both "
                    + show(byId[id.intValue()]) + " and " + show(e.getKey()));
            }
            byId[id.intValue()] = e.getKey();
        }
        return List.of(byId);
    }

    /** Checks {@code added_tokens}: exactly the first K ids, each special; returns K. */
    private static int specials(Path file, JsonNode added, List<String> tokens) throws TokenizerFormatException {
        if (added == null || !added.isArray()) {
            throw new TokenizerFormatException(file, "\"added_tokens\" is missing or not an array");
        }
        Set<String> flags = Set.of("single_word", "lstrip", "rstrip", "normalized");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < added.size(); i++) {
            JsonNode a = added.get(i);
            String at = "\"added_tokens\"[" + i + "]";
            if (!a.isObject()) {
                throw new TokenizerFormatException(file, at + " is not an object");
            }
            if (!a.path("id").isIntegralNumber() || a.get("id").asLong() != i) {
                throw new TokenizerFormatException(file, at + " has \"id\" " + a.get("id") + "; the specials must be ids 0.."
                    + (added.size() - 1) + " in order");
            }
            String content = a.path("content").textValue();
            if (content == null || i >= tokens.size() || !content.equals(tokens.get(i))) {
                throw new TokenizerFormatException(file, at + " has \"content\" " + a.get("content") + " but \"model\".\"vocab\" gives id "
                    + i + " to " + (i < tokens.size() ? show(tokens.get(i)) : "no token"));
            }
            if (!a.path("special").asBoolean(false) || !a.path("special").isBoolean()) {
                throw new TokenizerFormatException(file, at + " (" + show(content) + ") is not \"special\": true; only special"
                    + " added tokens are supported");
            }
            for (String flag : flags) {
                if (a.path(flag).asBoolean(false)) {
                    throw new TokenizerFormatException(file, at + " (" + show(content) + ") has \"" + flag + "\": true; only false is"
                        + " supported");
                }
            }
            seen.add(content);
        }
        return seen.size();
    }

    private static String show(JsonNode n) {
        if (n == null) {
            return "missing";
        }
        String s = n.toString();
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static String show(String s) {
        return "'" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "'";
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 8 ? names.toString() : names.subList(0, 8) + "... (" + names.size() + ")";
    }
}
