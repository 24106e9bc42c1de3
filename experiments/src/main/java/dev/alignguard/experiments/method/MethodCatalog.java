package dev.alignguard.experiments.method;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The method kinds, found from {@link Method}'s {@code permits} clause and each record's
 * {@code @JsonTypeName}: reading a spec's {@code params} into the record of its kind (unknown keys
 * refused with the keys it accepts), and the listing of {@code alignguard methods}.
 */
public final class MethodCatalog {

    private static final ObjectMapper JSON = dev.alignguard.model.safetensors.JsonMappers.mapper()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** kind -> record class, in the order the sealed interface lists them. */
    private static final Map<String, Class<? extends Method>> KINDS = permittedKinds();

    private MethodCatalog() {
    }

    /** Every kind, in the order {@link Method} permits them. */
    public static List<String> kinds() {
        return List.copyOf(KINDS.keySet());
    }

    /** The kind of a method record (its {@code @JsonTypeName}). */
    public static String kindOf(Class<?> type) {
        JsonTypeName name = type.getAnnotation(JsonTypeName.class);
        if (name == null) {
            throw new IllegalStateException(type.getName() + " implements Method but has no @JsonTypeName");
        }
        return name.value();
    }

    /**
     * The method of the given kind with the given parameters (null: all defaults).
     *
     * @param methodName the spec's name for the method, for messages
     * @throws IllegalArgumentException naming the method, the kind, the unknown or invalid key and
     *                                  what is accepted
     */
    public static Method read(String methodName, String kind, JsonNode params) {
        Class<? extends Method> type = kind == null ? null : KINDS.get(kind.trim());
        if (type == null) {
            throw new IllegalArgumentException("method '" + methodName + "': unknown kind '" + kind + "'; expected one of "
                + kinds());
        }
        JsonNode node = params == null || params.isNull() ? JsonNodeFactory.instance.objectNode() : params;
        if (!node.isObject()) {
            throw new IllegalArgumentException("method '" + methodName + "' (" + kind + "): params must be an object, got "
                + node);
        }
        try {
            return JSON.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("method '" + methodName + "' (" + kind + "): unknown parameter '"
                + e.getPropertyName() + "'; " + kind + " accepts " + (parameters(type).isEmpty() ? "no parameters"
                    : String.join(", ", parameters(type).keySet())),
                e);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("method '" + methodName + "' (" + kind + "): " + cause.getMessage(), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : null;
            throw new IllegalArgumentException("method '" + methodName + "' (" + kind + "): "
                + (cause != null ? cause.getMessage() : e.getOriginalMessage()), e);
        }
    }

    /** A method's parameters as the spec writes them (every field, defaults included). */
    public static ObjectNode params(Method method) {
        JsonNode n = JSON.valueToTree(method);
        return n instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
    }

    /** One parameter of a kind, for the listing. */
    public record Parameter(String name, String type, JsonNode defaultValue, String description) {
    }

    /** A kind's parameters: name, JSON type, default and description, in declaration order. */
    public static Map<String, Parameter> parameters(Class<? extends Method> type) {
        ObjectNode defaults = params(read("defaults", kindOf(type), null));
        Map<String, String> descriptions = descriptions(type);
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = defaults.fields(); it.hasNext();) {
            var e = it.next();
            out.put(e.getKey(), new Parameter(e.getKey(), e.getValue().isNumber() ? "number" : e.getValue().getNodeType()
                .toString().toLowerCase(java.util.Locale.ROOT), e.getValue(), descriptions.getOrDefault(e.getKey(), "")));
        }
        return out;
    }

    /** The listing of {@code alignguard methods}: every kind, its one line, its parameters. */
    public static String describeAll() {
        StringBuilder sb = new StringBuilder();
        for (var e : KINDS.entrySet()) {
            Class<? extends Method> type = e.getValue();
            Method defaults = read("defaults", e.getKey(), null);
            JsonClassDescription d = type.getAnnotation(JsonClassDescription.class);
            sb.append(e.getKey()).append(" — ").append(d == null ? "" : d.value()).append('\n');
            Strength st = defaults.strength();
            sb.append("    strength: ").append(!st.swept() ? "none" : st.label() + (st.required() ? " (required)" : ""))
                .append('\n');
            Map<String, Parameter> params = parameters(type);
            if (params.isEmpty()) {
                sb.append("    params: none\n");
            }
            for (Parameter p : params.values()) {
                sb.append(String.format(java.util.Locale.ROOT, "    %-10s %-7s default %-9s %s%n", p.name(), p.type(),
                    p.defaultValue(), p.description()));
            }
        }
        return sb.toString();
    }

    /**
     * Whether a kind read from a summary names {@code expected}: compared case-insensitively, with
     * '-' and ' ' read as '_' ("Random-Subspace" is "random_subspace"), as hand-edited summaries write it.
     */
    public static boolean isKind(String kind, String expected) {
        return kind != null && kind.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_').replace(' ', '_')
            .equals(expected);
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static Map<String, String> descriptions(Class<?> type) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!type.isRecord()) {
            return out;
        }
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.getAccessor().isAnnotationPresent(JsonValue.class) || c.isAnnotationPresent(JsonValue.class)) {
                out.putAll(descriptions(c.getType()));   // a delegating record: its parameters are the delegate's
                continue;
            }
            var name = c.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            var d = c.getAnnotation(JsonPropertyDescription.class);
            if (name != null && d != null) {
                out.put(name.value(), d.value());
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Class<? extends Method>> permittedKinds() {
        Map<String, Class<? extends Method>> out = new LinkedHashMap<>();
        List<String> seen = new ArrayList<>();
        for (Class<?> c : Method.class.getPermittedSubclasses()) {
            String kind = kindOf(c);
            if (seen.contains(kind)) {
                throw new IllegalStateException("two method records claim kind '" + kind + "'");
            }
            seen.add(kind);
            out.put(kind, (Class<? extends Method>) c);
        }
        return out;
    }
}
