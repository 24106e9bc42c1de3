package dev.alignguard.model.hf;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.JsonMappers;

/**
 * Reading small JSON files field by field, so that every refusal names the file and the field
 * ({@code config.json: "hidden_size" must be an integer, got "abc"}) rather than surfacing a
 * data-binding stack trace. Duplicate keys are refused, and the file is read within the
 * {@link InputLimits} JSON limits.
 */
final class JsonFields {

    /** Strict reader (duplicate keys refused) and pretty writer shared by the folder formats. */
    static final ObjectMapper JSON = JsonMappers.mapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonFields() {
    }

    /** The JSON object in {@code file}; a missing file, bad syntax or a non-object is a {@link ModelFormatException}. */
    static ObjectNode readJsonObject(Path file, String what) throws IOException {
        String text;
        try {
            text = InputLimits.readJsonDocument(file, what, ModelFormatException::new);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "missing (" + what + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new ModelFormatException(file, JsonMappers.describe(e));
        }
        if (root == null || root.isMissingNode()) {
            throw new ModelFormatException(file, "empty (expected a JSON object: " + what + ")");
        }
        if (!root.isObject()) {
            throw new ModelFormatException(file, "expected a JSON object (" + what + "), got " + kind(root));
        }
        return (ObjectNode) root;
    }

    /** A present, non-null field. */
    static boolean has(JsonNode obj, String field) {
        JsonNode n = obj.get(field);
        return n != null && !n.isNull();
    }

    static int requiredInt(Path file, JsonNode obj, String field) throws ModelFormatException {
        if (!has(obj, field)) {
            throw new ModelFormatException(file, q(field) + " is missing");
        }
        return intValue(file, obj.get(field), q(field));
    }

    static int optionalInt(Path file, JsonNode obj, String field, int fallback) throws ModelFormatException {
        return has(obj, field) ? intValue(file, obj.get(field), q(field)) : fallback;
    }

    /** An integer that fits an int; {@code 16.0} is refused as well as {@code "16"}. */
    static int intValue(Path file, JsonNode n, String where) throws ModelFormatException {
        if (!n.isIntegralNumber()) {
            throw new ModelFormatException(file, where + " must be an integer, got " + show(n));
        }
        if (!n.canConvertToInt()) {
            throw new ModelFormatException(file, where + " is out of range: " + n.asText());
        }
        return n.intValue();
    }

    static double optionalDouble(Path file, JsonNode obj, String field, double fallback) throws ModelFormatException {
        if (!has(obj, field)) {
            return fallback;
        }
        JsonNode n = obj.get(field);
        if (!n.isNumber()) {
            throw new ModelFormatException(file, q(field) + " must be a number, got " + show(n));
        }
        double v = n.doubleValue();
        if (!Double.isFinite(v)) {
            throw new ModelFormatException(file, q(field) + " must be finite, got " + n.asText());
        }
        return v;
    }

    static boolean optionalBoolean(Path file, JsonNode obj, String field, boolean fallback) throws ModelFormatException {
        if (!has(obj, field)) {
            return fallback;
        }
        JsonNode n = obj.get(field);
        if (!n.isBoolean()) {
            throw new ModelFormatException(file, q(field) + " must be true or false, got " + show(n));
        }
        return n.booleanValue();
    }

    static String optionalString(Path file, JsonNode obj, String field) throws ModelFormatException {
        if (!has(obj, field)) {
            return null;
        }
        JsonNode n = obj.get(field);
        if (!n.isTextual()) {
            throw new ModelFormatException(file, q(field) + " must be a string, got " + show(n));
        }
        return n.textValue();
    }

    static List<String> stringList(Path file, JsonNode n, String field) throws ModelFormatException {
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual()) {
                throw new ModelFormatException(file, q(field) + "[" + i + "] must be a string, got " + show(e));
            }
            out.add(e.textValue());
        }
        return out;
    }

    static String q(String field) {
        return "\"" + field + "\"";
    }

    /** A short rendering of a value for error messages. */
    static String show(JsonNode n) {
        String s = n.toString();
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    static String kind(JsonNode n) {
        if (n.isArray()) {
            return "an array";
        }
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isNumber()) {
            return "a number";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        return n.isNull() ? "null" : n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
