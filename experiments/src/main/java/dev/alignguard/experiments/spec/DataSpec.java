package dev.alignguard.experiments.spec;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Optional JSONL datasets that replace the synthetic world's data, stage by stage (a relative path in
 * a spec file is relative to the spec's folder, see {@link ExperimentSpec#read}; in a preset or a spec
 * given as text, to the working directory; one object a line: prompt, response, label safe|unsafe, optional
 * category and split). A stage left null uses the world's. When any file is given, the tokenizer is
 * built from the texts of every dataset the study uses, so their words are all known.
 *
 * @param pretrain   stage 0 training data
 * @param align      stage 1 training data
 * @param finetune   stage 2 training data (replaces the world's task, harmful and replay mix)
 * @param alignment  harmful prompt -> refusal examples for Fisher estimation and EWC
 * @param evaluation labelled safe/unsafe prompts for refusal and over-refusal (split by prompt into
 *                   validation and test halves unless {@code validation} is given)
 * @param validation labelled safe/unsafe prompts for selection only (then {@code evaluation} is all test)
 * @param taskTest   task test prompts with their expected responses
 */
public record DataSpec(@JsonProperty("pretrain") String pretrain,
                       @JsonProperty("align") String align,
                       @JsonProperty("finetune") String finetune,
                       @JsonProperty("alignment") String alignment,
                       @JsonProperty("evaluation") String evaluation,
                       @JsonProperty("task_test") String taskTest,
                       @JsonProperty("validation") String validation,
                       @JsonProperty("refusal_markers") java.util.List<String> refusalMarkers) {

    /** The files given, by stage name. */
    public Map<String, String> files() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "pretrain", pretrain);
        put(m, "align", align);
        put(m, "finetune", finetune);
        put(m, "alignment", alignment);
        put(m, "evaluation", evaluation);
        put(m, "task_test", taskTest);
        put(m, "validation", validation);
        return m;
    }

    /**
     * A copy with every relative file path resolved against {@code dir} and normalised; absolute
     * paths and the refusal markers are kept as they are.
     */
    public DataSpec resolvedAgainst(java.nio.file.Path dir) {
        return new DataSpec(resolve(dir, pretrain), resolve(dir, align), resolve(dir, finetune), resolve(dir, alignment),
            resolve(dir, evaluation), resolve(dir, taskTest), resolve(dir, validation), refusalMarkers);
    }

    /** The files given, by stage name, as absolute paths (relative ones against the working directory). */
    public Map<String, java.nio.file.Path> resolvedFiles() {
        Map<String, java.nio.file.Path> m = new LinkedHashMap<>();
        files().forEach((k, v) -> m.put(k, java.nio.file.Path.of(v).toAbsolutePath().normalize()));
        return m;
    }

    private static String resolve(java.nio.file.Path dir, String file) {
        if (file == null || file.isBlank()) {
            return file;
        }
        java.nio.file.Path p = java.nio.file.Path.of(file);
        return p.isAbsolute() ? file : dir.resolve(p).normalize().toString();
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null && !v.isBlank()) {
            m.put(k, v);
        }
    }
}
