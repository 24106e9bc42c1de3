package dev.alignguard.experiments.world;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What function of an object's facts the fine-tuning task's verbs compute.
 *
 * <p>Measured on the quick world with a hidden-64, 2-layer model (see {@code package-info}):
 * {@link #SYNONYM} is learned by LoRA to high test accuracy in about 100 steps while refusal drifts
 * part of the way, which is the regime the benchmark needs; {@link #REORDER} and {@link #CIPHER}
 * make a tiny model memorise the training pairs (test accuracy about 0.2 to 0.3) and forget nearly
 * everything else on the way.
 */
public enum TaskKind {
    /** A new verb for an existing function: it reads the attribute tuple of a seen instruction verb
     *  (like teaching a model a new phrasing of an instruction it can already follow). */
    SYNONYM,
    /** A new attribute tuple that no instruction verb reads (needs {@code task_answer_length} such that one is left). */
    REORDER,
    /** A seen instruction verb's tuple with every value shifted cyclically within its attribute's values
     *  by a seeded amount in [1, values_per_attribute): a new lookup on top of an existing function. */
    CIPHER;

    @JsonValue
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static TaskKind parse(String text) {
        for (TaskKind k : values()) {
            if (k.text().equals(text)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown task kind '" + text + "' (expected synonym, reorder or cipher)");
    }
}
