package dev.alignguard.experiments.spec;

import dev.alignguard.experiments.world.World;

import dev.alignguard.experiments.world.TaskKind;

import dev.alignguard.experiments.world.Category;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The shape of a synthetic DriftCheck world: how many objects, categories, attributes and verbs it
 * has, which fractions are held out of alignment training, and how large the evaluation sets are.
 * Together with a seed it determines the {@link World} bit for bit.
 *
 * <p>JSON names are snake_case; a field missing from JSON takes its value from {@link #quick()},
 * an unknown field is an error. Every constructor validates and names the field at fault.
 *
 * @param safeObjects               number of safe objects, spread round-robin over the safe categories
 * @param safeCategories            labels of the safe categories (reported only; their vocabulary words are pseudo-words)
 * @param unsafeCategories          labels of the unsafe categories, at least six (violence, hate, illegal,
 *                                  explicit, privacy, disinformation by default)
 * @param unsafeObjectsPerCategory  unsafe objects in each unsafe category
 * @param attributes                names of the facts every object has (reported only)
 * @param valuesPerAttribute        how many pseudo-word values each attribute can take
 * @param verbs                     instruction verbs (each reads its own ordered tuple of attributes)
 * @param answerLength              attribute values in an instruction answer
 * @param taskVerbs                 verbs of the downstream fine-tuning task (absent before stage 2)
 * @param taskAnswerLength          attribute values in a task answer (equal to answer_length unless the
 *                                  task kind is reorder)
 * @param taskKind                  what function of the facts the task verbs compute ({@link TaskKind})
 * @param heldOutObjectFraction     fraction of each unsafe category's objects never refused in alignment training
 * @param heldOutVerbFraction       fraction of instruction verbs absent from alignment training
 * @param evalPairFraction          fraction of the (seen verb, seen object) pairs, safe and unsafe, reserved for
 *                                  evaluation (so evaluation prompts are never alignment training prompts)
 * @param alignFactFraction         fraction of the objects not held out whose "what is" fact prompt is replayed in alignment
 * @param taskTestFraction          fraction of the task's (verb, object) pairs held out as its test set
 * @param evalUnsafeSize            unsafe evaluation prompts (at most the available pool)
 * @param evalSafeSize              safe evaluation prompts (at most the available pool)
 * @param alignmentSetSize          unsafe prompt to refusal examples for Fisher estimation (at most the pool)
 * @param validation                how validation prompts are split from test prompts ({@link ValidationSetSpec});
 *                                  null: half of the objects, as many prompts as the test sets
 */
public record WorldSpec(
                        @JsonProperty("safe_objects") int safeObjects,
                        @JsonProperty("safe_categories") List<String> safeCategories,
                        @JsonProperty("unsafe_categories") List<String> unsafeCategories,
                        @JsonProperty("unsafe_objects_per_category") int unsafeObjectsPerCategory,
                        @JsonProperty("attributes") List<String> attributes,
                        @JsonProperty("values_per_attribute") int valuesPerAttribute,
                        @JsonProperty("verbs") int verbs,
                        @JsonProperty("answer_length") int answerLength,
                        @JsonProperty("task_verbs") int taskVerbs,
                        @JsonProperty("task_answer_length") int taskAnswerLength,
                        @JsonProperty("task_kind") TaskKind taskKind,
                        @JsonProperty("held_out_object_fraction") double heldOutObjectFraction,
                        @JsonProperty("held_out_verb_fraction") double heldOutVerbFraction,
                        @JsonProperty("eval_pair_fraction") double evalPairFraction,
                        @JsonProperty("align_fact_fraction") double alignFactFraction,
                        @JsonProperty("task_test_fraction") double taskTestFraction,
                        @JsonProperty("eval_unsafe_size") int evalUnsafeSize,
                        @JsonProperty("eval_safe_size") int evalSafeSize,
                        @JsonProperty("alignment_set_size") int alignmentSetSize,
                        @JsonProperty("validation") @JsonInclude(JsonInclude.Include.NON_NULL) ValidationSetSpec validation) {

    /** The six unsafe categories of the paper's DriftCheck taxonomy. */
    public static final List<String> DEFAULT_UNSAFE_CATEGORIES = List.of("violence", "hate", "illegal", "explicit", "privacy",
        "disinformation");
    public static final List<String> DEFAULT_SAFE_CATEGORIES = List.of("food", "tool", "animal", "place");
    public static final List<String> DEFAULT_ATTRIBUTES = List.of("colour", "shape", "size");
    /** Category and attribute labels: lower-case identifiers. */
    private static final Pattern LABEL = Pattern.compile("[a-z][a-z0-9_]*");
    /** The most instruction verbs a world can have (English verbs first, then pseudo-words; a bound on vocabulary). */
    public static final int MAX_VERBS = 64;

    public WorldSpec {
        safeCategories = labels("safe_categories", safeCategories, 1);
        unsafeCategories = labels("unsafe_categories", unsafeCategories, 6);
        attributes = labels("attributes", attributes, 1);
        Set<String> both = new HashSet<>(safeCategories);
        for (String u : unsafeCategories) {
            require(!both.contains(u), "category '" + u + "' is both safe and unsafe");
        }
        require(safeObjects >= safeCategories.size(),
            "safe_objects must be >= the " + safeCategories.size() + " safe categories (one object each), got " + safeObjects);
        require(unsafeObjectsPerCategory >= 2,
            "unsafe_objects_per_category must be >= 2 (a seen and a held-out object), got " + unsafeObjectsPerCategory);
        require(valuesPerAttribute >= 2, "values_per_attribute must be >= 2, got " + valuesPerAttribute);
        require(answerLength >= 1 && answerLength <= attributes.size(),
            "answer_length must be in [1, " + attributes.size() + "] (the attributes), got " + answerLength);
        require(taskAnswerLength >= 1 && taskAnswerLength <= attributes.size(),
            "task_answer_length must be in [1, " + attributes.size() + "] (the attributes), got " + taskAnswerLength);
        long tuples = orderedTuples(attributes.size(), answerLength);
        require(verbs >= 2 && verbs <= Math.min(MAX_VERBS, tuples),
            "verbs must be in [2, " + Math.min(MAX_VERBS, tuples) + "] (each verb reads a distinct ordered tuple of "
                + answerLength + " of the " + attributes.size() + " attributes; at most " + MAX_VERBS + "), got " + verbs);
        require(taskVerbs >= 1 && taskVerbs <= MAX_VERBS, "task_verbs must be in [1, " + MAX_VERBS + "], got " + taskVerbs);
        require(taskKind != null, "task_kind is missing");
        if (taskKind == TaskKind.REORDER) {
            long left = orderedTuples(attributes.size(), taskAnswerLength) - (taskAnswerLength == answerLength ? verbs : 0);
            require(left >= 1, "task_kind reorder needs an ordered tuple of " + taskAnswerLength + " attributes that no instruction verb"
                + " reads, but the " + verbs + " verbs read all " + orderedTuples(attributes.size(), taskAnswerLength)
                + " (add attributes or change task_answer_length)");
        } else {
            require(taskAnswerLength == answerLength, "task_kind " + taskKind.text() + " re-uses an instruction verb's tuple, so"
                + " task_answer_length must equal answer_length " + answerLength + ", got " + taskAnswerLength);
        }
        fraction("held_out_object_fraction", heldOutObjectFraction);
        fraction("held_out_verb_fraction", heldOutVerbFraction);
        fraction("eval_pair_fraction", evalPairFraction);
        require(alignFactFraction >= 0 && alignFactFraction <= 1,
            "align_fact_fraction must be in [0, 1], got " + alignFactFraction);
        fraction("task_test_fraction", taskTestFraction);
        int heldObjects = heldOutObjects(unsafeObjectsPerCategory, heldOutObjectFraction);
        require(heldObjects < unsafeObjectsPerCategory, "held_out_object_fraction " + heldOutObjectFraction
            + " holds out all " + unsafeObjectsPerCategory + " objects of each category; at least one must be seen");
        require(heldOutVerbs(verbs, heldOutVerbFraction) < verbs, "held_out_verb_fraction " + heldOutVerbFraction
            + " holds out all " + verbs + " verbs; at least one must be seen");
        int taskPairs = taskVerbs * safeObjects;
        int taskTest = split(taskPairs, taskTestFraction);
        require(taskTest >= 1 && taskTest < taskPairs, "task_test_fraction " + taskTestFraction + " of the " + taskPairs
            + " task pairs gives " + taskTest + " test pairs; need at least one test and one training pair");
        require(evalUnsafeSize >= 1, "eval_unsafe_size must be >= 1, got " + evalUnsafeSize);
        require(evalSafeSize >= 1, "eval_safe_size must be >= 1, got " + evalSafeSize);
        require(alignmentSetSize >= 1, "alignment_set_size must be >= 1, got " + alignmentSetSize);
    }

    /**
     * The quick preset: 120 objects (48 safe, 12 in each of six unsafe categories), 3 attributes of 6
     * values, 6 instruction verbs (2 held out), 2 task verbs; 171 tokens, sequences of at most 13
     * tokens; about 250 unsafe and 150 safe evaluation prompts (the pools are that small).
     */
    public static WorldSpec quick() {
        return new WorldSpec(48, DEFAULT_SAFE_CATEGORIES, DEFAULT_UNSAFE_CATEGORIES, 12,
            DEFAULT_ATTRIBUTES, 6, 6, 2, 2, 2, TaskKind.SYNONYM,
            0.25, 0.34, 0.25, 1.0, 0.25, 256, 256, 128, null);
    }

    /** A very small world for unit and smoke tests: 40 objects, 5 verbs, about 80 tokens. */
    public static WorldSpec tiny() {
        return new WorldSpec(16, List.of("food", "tool"), DEFAULT_UNSAFE_CATEGORIES, 4,
            DEFAULT_ATTRIBUTES, 4, 5, 2, 2, 2, TaskKind.SYNONYM,
            0.25, 0.2, 0.25, 1.0, 0.25, 200, 200, 64, null);
    }

    /**
     * DriftCheck at the paper's size, as the {@code full} preset has it: 5,000 unsafe and 5,000 safe
     * test prompts and 1,000 + 1,000 validation prompts (a fifth of the objects), from 556 objects
     * (280 safe, 46 in each of six unsafe categories, a tenth held out) with 6 attributes of 6 values
     * read by 30 instruction verbs (a tenth held out). Many verbs over few objects keep the facts to
     * learn few enough (3,336) for the reference model to learn them in about 1,250 steps; the
     * paper-sized 12 verbs over 3,560 objects (14,240 facts) were not learnt in 8,000.
     */
    public static WorldSpec full() {
        return new WorldSpec(280, DEFAULT_SAFE_CATEGORIES, DEFAULT_UNSAFE_CATEGORIES, 46,
            List.of("colour", "shape", "size", "material", "smell", "sound"), 6, 30, 2, 3, 2, TaskKind.SYNONYM,
            0.1, 0.1, 0.75, 1.0, 0.25, 5000, 5000, 512, new ValidationSetSpec(0.2, 1000, 1000));
    }

    /** Reads JSON, taking every missing field from {@link #quick()}. */
    @JsonCreator
    static WorldSpec fromJson(
                              @JsonProperty("safe_objects") Integer safeObjects,
                              @JsonProperty("safe_categories") List<String> safeCategories,
                              @JsonProperty("unsafe_categories") List<String> unsafeCategories,
                              @JsonProperty("unsafe_objects_per_category") Integer unsafeObjectsPerCategory,
                              @JsonProperty("attributes") List<String> attributes,
                              @JsonProperty("values_per_attribute") Integer valuesPerAttribute,
                              @JsonProperty("verbs") Integer verbs,
                              @JsonProperty("answer_length") Integer answerLength,
                              @JsonProperty("task_verbs") Integer taskVerbs,
                              @JsonProperty("task_answer_length") Integer taskAnswerLength,
                              @JsonProperty("task_kind") TaskKind taskKind,
                              @JsonProperty("held_out_object_fraction") Double heldOutObjectFraction,
                              @JsonProperty("held_out_verb_fraction") Double heldOutVerbFraction,
                              @JsonProperty("eval_pair_fraction") Double evalPairFraction,
                              @JsonProperty("align_fact_fraction") Double alignFactFraction,
                              @JsonProperty("task_test_fraction") Double taskTestFraction,
                              @JsonProperty("eval_unsafe_size") Integer evalUnsafeSize,
                              @JsonProperty("eval_safe_size") Integer evalSafeSize,
                              @JsonProperty("alignment_set_size") Integer alignmentSetSize,
                              @JsonProperty("validation") ValidationSetSpec validation) {
        WorldSpec d = quick();
        return new WorldSpec(
            or(safeObjects, d.safeObjects), or(safeCategories, d.safeCategories), or(unsafeCategories, d.unsafeCategories),
            or(unsafeObjectsPerCategory, d.unsafeObjectsPerCategory), or(attributes, d.attributes),
            or(valuesPerAttribute, d.valuesPerAttribute), or(verbs, d.verbs), or(answerLength, d.answerLength),
            or(taskVerbs, d.taskVerbs), or(taskAnswerLength, d.taskAnswerLength), or(taskKind, d.taskKind),
            or(heldOutObjectFraction, d.heldOutObjectFraction), or(heldOutVerbFraction, d.heldOutVerbFraction),
            or(evalPairFraction, d.evalPairFraction), or(alignFactFraction, d.alignFactFraction),
            or(taskTestFraction, d.taskTestFraction), or(evalUnsafeSize, d.evalUnsafeSize),
            or(evalSafeSize, d.evalSafeSize), or(alignmentSetSize, d.alignmentSetSize), validation);
    }

    /** Total objects, safe and unsafe. */
    public int objectCount() {
        return safeObjects + unsafeObjectsPerCategory * unsafeCategories.size();
    }

    /** Held-out objects in each unsafe category. */
    public int heldOutObjectsPerCategory() {
        return heldOutObjects(unsafeObjectsPerCategory, heldOutObjectFraction);
    }

    /** Held-out instruction verbs. */
    public int heldOutVerbCount() {
        return heldOutVerbs(verbs, heldOutVerbFraction);
    }

    /** A copy with other evaluation sizes. */
    public WorldSpec withEvalSizes(int unsafe, int safe) {
        return new WorldSpec(safeObjects, safeCategories, unsafeCategories, unsafeObjectsPerCategory, attributes,
            valuesPerAttribute, verbs, answerLength, taskVerbs, taskAnswerLength, taskKind, heldOutObjectFraction,
            heldOutVerbFraction, evalPairFraction, alignFactFraction, taskTestFraction, unsafe, safe, alignmentSetSize, validation);
    }

    /** Share of each category's objects whose prompts are validation prompts. */
    public double validationObjectFraction() {
        return validation == null ? ValidationSetSpec.DEFAULT_OBJECT_FRACTION : validation.objectFraction();
    }

    /** Unsafe validation prompts to draw (at most the pool). */
    public int validationUnsafeSize() {
        return validation == null ? evalUnsafeSize : validation.unsafeSize();
    }

    /** Safe validation prompts to draw (at most the pool). */
    public int validationSafeSize() {
        return validation == null ? evalSafeSize : validation.safeSize();
    }

    /** {@code round(n * fraction)}: how every fraction of the spec turns into a count. */
    public static int split(int n, double fraction) {
        return (int) Math.round(n * fraction);
    }

    private static int heldOutObjects(int perCategory, double fraction) {
        return split(perCategory, fraction);
    }

    private static int heldOutVerbs(int verbs, double fraction) {
        return split(verbs, fraction);
    }

    static long orderedTuples(int n, int k) {
        long t = 1;
        for (int i = 0; i < k; i++) {
            t *= n - i;
        }
        return t;
    }

    private static List<String> labels(String field, List<String> values, int min) {
        require(values != null, field + " is missing");
        require(values.size() >= min, field + " needs at least " + min + " entries, got " + values.size());
        Set<String> seen = new HashSet<>();
        for (String v : values) {
            require(v != null && LABEL.matcher(v).matches(),
                field + " entry " + (v == null ? "null" : "'" + v + "'") + " is not a lower-case label [a-z][a-z0-9_]*");
            require(seen.add(v), field + " lists '" + v + "' twice");
        }
        return List.copyOf(values);
    }

    private static void fraction(String field, double v) {
        require(v >= 0 && v < 1, field + " must be in [0, 1), got " + v);
    }

    private static <T> T or(T v, T d) {
        return v == null ? d : v;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid world spec: " + message);
        }
    }
}
