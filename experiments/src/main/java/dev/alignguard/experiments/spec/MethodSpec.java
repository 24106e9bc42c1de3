package dev.alignguard.experiments.spec;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.util.StdConverter;

import dev.alignguard.experiments.method.Method;
import dev.alignguard.experiments.method.MethodCatalog;

/**
 * One method of a study, swept over its strength: a name (unique in the study), the typed
 * {@link Method} that {@code kind} and {@code params} select (see {@code alignguard methods}), the
 * strengths, and {@code overrides} that patch the study's spec for this method only (dotted paths,
 * e.g. {@code "fisher.m": 8} or {@code "finetune.data_size": 64}), which is how the m-sensitivity and
 * scaling presets vary one setting.
 *
 * @param strengths the swept strengths; {@code [NaN]} for a method without strength
 * @param overrides the overrides, sorted by path (so the spec's JSON is the same in every JVM)
 */
@JsonPropertyOrder({"name", "kind", "strengths", "params", "overrides"})
public record MethodSpec(@JsonProperty("name") String name,
                         @JsonIgnore Method method,
                         @JsonProperty("strengths") @JsonSerialize(converter = ListedStrengths.class) List<Double> strengths,
                         @JsonProperty("overrides") Map<String, JsonNode> overrides) {

    public MethodSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a method needs a name");
        }
        if (method == null) {
            throw new IllegalArgumentException("method " + name + " needs a kind; expected one of " + MethodCatalog.kinds());
        }
        boolean listed = strengths != null && !strengths.isEmpty();
        if (listed && !method.strength().swept()) {
            throw new IllegalArgumentException("method '" + name + "' (" + method.kind() + ") takes no strength, but lists "
                + strengths);
        }
        if (!listed && method.strength().required()) {
            throw new IllegalArgumentException("method '" + name + "' (" + method.kind() + ") needs strengths (its "
                + method.strength().label() + ")");
        }
        strengths = listed ? List.copyOf(strengths) : List.of(Double.NaN);
        // sorted: Map.copyOf iterates in an order salted per JVM, and the spec's JSON (its run identity, its
        // trials' keys) must not depend on the JVM, or a method with two overrides would not resume
        overrides = overrides == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(overrides));
    }

    /** Reads a spec's method entry: {@code kind} picks the record, {@code params} fill its fields. */
    @JsonCreator
    public static MethodSpec fromJson(@JsonProperty("name") String name, @JsonProperty("kind") String kind,
                                      @JsonProperty("strengths") List<Double> strengths,
                                      @JsonProperty("params") JsonNode params,
                                      @JsonProperty("overrides") Map<String, JsonNode> overrides) {
        return new MethodSpec(name, MethodCatalog.read(name, kind, params), strengths, overrides);
    }

    /** Writes the strengths as the spec lists them: none (not {@code [NaN]}) for a method without strength. */
    static final class ListedStrengths extends StdConverter<List<Double>, List<Double>> {
        @Override
        public List<Double> convert(List<Double> strengths) {
            return strengths.size() == 1 && strengths.getFirst().isNaN() ? List.of() : strengths;
        }
    }

    /** The method's kind, as the spec writes it. */
    @JsonProperty("kind")
    public String kind() {
        return method.kind();
    }

    /** The method's parameters, every field written out (defaults included), as the spec writes them. */
    @JsonProperty("params")
    public JsonNode params() {
        return MethodCatalog.params(method);
    }
}
