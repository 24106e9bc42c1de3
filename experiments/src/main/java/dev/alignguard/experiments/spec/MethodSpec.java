package dev.alignguard.experiments.spec;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One method of a study, swept over its strength.
 *
 * <ul>
 *   <li>{@code lora}: standard LoRA (no strength);</li>
 *   <li>{@code l2}: lambda ||dW||^2; {@code ewc}: lambda sum F_ii dW_i^2 (diagonal alignment Fisher);</li>
 *   <li>{@code alignguard}: strength = lambda_A; params lambda_t, lambda_nc, alpha, beta, tau, geodesic;</li>
 *   <li>{@code random_subspace}: AlignGuard's terms with a random orthonormal basis of the same rank
 *       and eigenvalues (strength = lambda_A);</li>
 *   <li>{@code hard_projection}: remove the P_A part of every update (no strength);</li>
 *   <li>{@code safe_lora}: post-hoc projection, strength = the similarity threshold.</li>
 * </ul>
 * {@code overrides} patch the study's spec for this method only (dotted paths, e.g.
 * {@code "fisher.m": 8} or {@code "finetune.data_size": 64}), which is how the m-sensitivity and
 * scaling presets vary one setting.
 */
public record MethodSpec(@JsonProperty("name") String name,
                         @JsonProperty("kind") String kind,
                         @JsonProperty("strengths") List<Double> strengths,
                         @JsonProperty("params") Map<String, Object> params,
                         @JsonProperty("overrides") Map<String, JsonNode> overrides) {

    public static final List<String> KINDS =
        List.of("lora", "l2", "ewc", "alignguard", "random_subspace", "hard_projection", "safe_lora");

    public MethodSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a method needs a name");
        }
        if (kind == null || !KINDS.contains(kind.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("method " + name + ": unknown kind '" + kind + "'; expected one of " + KINDS);
        }
        kind = kind.toLowerCase(Locale.ROOT);
        strengths = strengths == null || strengths.isEmpty() ? List.of(Double.NaN) : List.copyOf(strengths);
        params = params == null ? Map.of() : Map.copyOf(params);
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
    }

    public double param(String key, double fallback) {
        Object v = params.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("method " + name + ": param " + key + " must be a number, got " + v);
    }

    public String param(String key, String fallback) {
        Object v = params.get(key);
        return v == null ? fallback : v.toString();
    }
}
