package dev.alignguard.model.lora;

import java.util.List;
import java.util.regex.Pattern;

import dev.alignguard.model.safetensors.InputLimits;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * LoRA settings with Hugging Face peft's field names (as in {@code adapter_config.json}).
 *
 * <p>{@code target_modules} is either a list of module names (a module matches when its path ends
 * with {@code "." + name}), a single regular expression (matched against the whole path, as peft
 * does with a string), or {@code "all-linear"} (every linear layer except the LM head).
 * Scaling is {@code lora_alpha / r}, or {@code lora_alpha / sqrt(r)} with {@code use_rslora}.
 * Initialisation as peft's default: A ~ U(-1/sqrt(in), 1/sqrt(in)) (Kaiming-uniform, a = sqrt 5), B = 0,
 * so a fresh adapter changes nothing.
 *
 * <p>As JSON (Jackson) it reads and writes peft's form: {@code target_modules} is written as the list
 * of names, or as a string holding {@link #targetRegex()} when one is set (peft treats a string as a
 * regular expression matched against the whole module path), or as the string {@code "all-linear"}
 * when that is the only name (peft understands it only as a string). Reading accepts either form
 * (and, for older files, a separate {@code target_regex}); missing fields take peft's defaults
 * (r 8, lora_alpha 8, lora_dropout 0, use_rslora false). {@code adapter_config.json} files are read
 * and written by {@code dev.alignguard.model.hf.AdapterFiles}, which adds peft's other fields and
 * field-by-field error messages.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"peft_type", "task_type", "r", "lora_alpha", "lora_dropout", "target_modules", "use_rslora", "bias"})
public record LoraConfig(
                         @JsonProperty("r") int r,
                         @JsonProperty("lora_alpha") double loraAlpha,
                         @JsonProperty("lora_dropout") double loraDropout,
                         @JsonIgnore List<String> targetModules,
                         @JsonIgnore String targetRegex,
                         @JsonProperty("use_rslora") boolean useRslora) {

    public static final String ALL_LINEAR = "all-linear";

    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("invalid LoraConfig: r must be > 0, got " + r);
        }
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            throw new IllegalArgumentException("invalid LoraConfig: lora_dropout must be in [0, 1), got " + loraDropout);
        }
        if ((targetModules == null || targetModules.isEmpty()) && targetRegex == null) {
            throw new IllegalArgumentException("invalid LoraConfig: target_modules is empty");
        }
        targetModules = targetModules == null ? List.of() : List.copyOf(targetModules);
        if (targetRegex != null) {
            if (targetRegex.length() > InputLimits.LORA_MAX_REGEX_CHARS) {
                throw new IllegalArgumentException("invalid LoraConfig: the target_modules expression has " + targetRegex.length()
                    + " characters, over the input limit of " + InputLimits.LORA_MAX_REGEX_CHARS
                    + " (InputLimits.LORA_MAX_REGEX_CHARS)");
            }
            Pattern.compile(targetRegex); // fail early on a bad expression
        }
    }

    /**
     * The config from peft's JSON fields: {@code targetModules} is a list of names or a string (a
     * regular expression, or {@code "all-linear"} in any case); null numbers and flags take peft's defaults.
     */
    @JsonCreator
    public static LoraConfig fromPeft(@JsonProperty("r") Integer r, @JsonProperty("lora_alpha") Double loraAlpha,
                                      @JsonProperty("lora_dropout") Double loraDropout,
                                      @JsonProperty("target_modules") Object targetModules,
                                      @JsonProperty("target_regex") String targetRegex,
                                      @JsonProperty("use_rslora") Boolean useRslora) {
        List<String> modules = List.of();
        String regex = targetRegex;
        if (targetModules instanceof String s) {
            if (s.equalsIgnoreCase(ALL_LINEAR)) {
                modules = List.of(ALL_LINEAR);
            } else {
                regex = s;
            }
        } else if (targetModules instanceof List<?> list) {
            modules = list.stream().map(o -> {
                if (!(o instanceof String name)) {
                    throw new IllegalArgumentException("invalid LoraConfig: target_modules holds a non-string " + o);
                }
                return name;
            }).toList();
        } else if (targetModules != null) {
            throw new IllegalArgumentException("invalid LoraConfig: target_modules must be a list of names or a string, got "
                + targetModules);
        }
        return new LoraConfig(r == null ? 8 : r, loraAlpha == null ? 8.0 : loraAlpha, loraDropout == null ? 0.0 : loraDropout,
            modules, regex, useRslora != null && useRslora);
    }

    /** {@code target_modules} as peft writes it: the regex string, "all-linear" alone as a string, else the list. */
    @JsonProperty("target_modules")
    public Object peftTargetModules() {
        if (targetRegex != null) {
            return targetRegex;
        }
        return targetModules.equals(List.of(ALL_LINEAR)) ? ALL_LINEAR : targetModules;
    }

    /** Adapters on the named modules (e.g. q_proj, k_proj, v_proj, o_proj). */
    public static LoraConfig of(int r, double alpha, String... modules) {
        return new LoraConfig(r, alpha, 0.0, List.of(modules), null, false);
    }

    /** Adapters on every module whose full path matches the expression. */
    public static LoraConfig matching(int r, double alpha, String regex) {
        return new LoraConfig(r, alpha, 0.0, List.of(), regex, false);
    }

    public LoraConfig withDropout(double dropout) {
        return new LoraConfig(r, loraAlpha, dropout, targetModules, targetRegex, useRslora);
    }

    public LoraConfig withRslora(boolean rslora) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, rslora);
    }

    /** The factor s in {@code dW = s B A}. */
    @JsonIgnore
    public float scaling() {
        return (float) (useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r);
    }

    /** Whether the linear module at this path (e.g. {@code model.layers.0.self_attn.q_proj}) gets an adapter. */
    public boolean targets(String modulePath) {
        if (targetRegex != null) {
            return Pattern.compile(targetRegex).matcher(new BudgetedChars(targetRegex, modulePath)).matches();
        }
        for (String t : targetModules) {
            if (t.equals(ALL_LINEAR)) {
                if (!modulePath.equals("lm_head")) {
                    return true;
                }
            } else if (modulePath.equals(t) || modulePath.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A module path that counts the characters the regex engine examines and gives up after
     * {@link InputLimits#LORA_REGEX_MAX_STEPS}: a catastrophically backtracking {@code target_modules}
     * expression is refused (an {@link IllegalArgumentException}) instead of running for hours.
     */
    private static final class BudgetedChars implements CharSequence {
        private final String regex;
        private final String text;
        private final int[] steps;

        BudgetedChars(String regex, String text) {
            this(regex, text, new int[1]);
        }

        private BudgetedChars(String regex, String text, int[] steps) {
            this.regex = regex;
            this.text = text;
            this.steps = steps;
        }

        @Override
        public char charAt(int index) {
            if (++steps[0] > InputLimits.LORA_REGEX_MAX_STEPS) {
                throw new IllegalArgumentException("the target_modules expression \"" + (regex.length() > 60
                    ? regex.substring(0, 60) + "..." : regex) + "\" takes more than " + InputLimits.LORA_REGEX_MAX_STEPS
                    + " steps to match \"" + text + "\" (InputLimits.LORA_REGEX_MAX_STEPS): it backtracks catastrophically");
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new BudgetedChars(regex, text.substring(start, end), steps);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    @JsonProperty("peft_type")
    public String peftType() {
        return "LORA";
    }

    @JsonProperty("task_type")
    public String taskType() {
        return "CAUSAL_LM";
    }

    @JsonProperty("bias")
    public String bias() {
        return "none";
    }
}
