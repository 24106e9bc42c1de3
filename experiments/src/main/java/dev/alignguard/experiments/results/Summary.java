package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import dev.alignguard.math.kernels.Backend;

/**
 * Everything a study produced, as written to summary.json: the spec it ran (verbatim), the base and
 * fine-tune seeds, the project version and git commit, the aligned (and unaligned) base models'
 * metrics (one value per base seed), one {@link MethodSummary} per method and strength, every trial,
 * the trials that failed for good, the Fisher spectrum, preset-specific analyses under
 * {@code analyses}, the kernel backend, how intervals are computed ({@code interval_model}), the
 * matched-accuracy comparison ({@code matched}, {@code frontier_area}), the sanity flags and, for a run
 * with a run folder, what that folder keeps ({@code kept}: model and adapter folders, relative paths).
 */
public record Summary(@JsonProperty("name") String name,
                      @JsonProperty("description") String description,
                      @JsonProperty("project_version") String projectVersion,
                      @JsonProperty("git_commit") String gitCommit,
                      @JsonProperty("finetune_seeds") @JsonAlias("seeds") long[] seeds,
                      @JsonProperty("base_seeds") long[] baseSeeds,
                      @JsonProperty("spec") JsonNode spec,
                      @JsonProperty("aligned") Map<String, Stat> aligned,
                      @JsonProperty("unaligned") Map<String, Stat> unaligned,
                      @JsonProperty("methods") List<MethodSummary> methods,
                      @JsonProperty("trials") List<TrialRecord> trials,
                      @JsonProperty("failures") List<TrialRecord> failures,
                      @JsonProperty("spectrum") List<LayerSpectrum> spectrum,
                      @JsonProperty("analyses") Map<String, JsonNode> analyses,
                      @JsonProperty("wall_seconds") double wallSeconds,
                      @JsonProperty("backend") Backend backend,
                      @JsonProperty("interval_model") String intervalModel,
                      @JsonProperty("matched") List<MatchedRow> matched,
                      @JsonProperty("frontier_area") List<FrontierArea> frontierArea,
                      @JsonProperty("flags") List<String> flags,
                      @JsonProperty("kept") @JsonInclude(JsonInclude.Include.NON_NULL) KeptFiles kept) {

    /** A summary of a run that keeps no files (library calls, hand-made summaries). */
    public Summary(String name, String description, String projectVersion, String gitCommit, long[] seeds, long[] baseSeeds,
        JsonNode spec, Map<String, Stat> aligned, Map<String, Stat> unaligned, List<MethodSummary> methods,
        List<TrialRecord> trials, List<TrialRecord> failures, List<LayerSpectrum> spectrum, Map<String, JsonNode> analyses,
        double wallSeconds, Backend backend, String intervalModel, List<MatchedRow> matched, List<FrontierArea> frontierArea,
        List<String> flags) {
        this(name, description, projectVersion, gitCommit, seeds, baseSeeds, spec, aligned, unaligned, methods, trials, failures,
            spectrum, analyses, wallSeconds, backend, intervalModel, matched, frontierArea, flags, null);
    }

    /** A summary with only the per-strength results (hand-made ones, older files): seeds are bases. */
    public Summary(String name, String description, String projectVersion, String gitCommit, long[] seeds, JsonNode spec,
        Map<String, Stat> aligned, Map<String, Stat> unaligned, List<MethodSummary> methods,
        List<TrialRecord> trials, List<TrialRecord> failures, List<LayerSpectrum> spectrum,
        Map<String, JsonNode> analyses, double wallSeconds) {
        this(name, description, projectVersion, gitCommit, seeds, seeds, spec, aligned, unaligned, methods, trials, failures,
            spectrum, analyses, wallSeconds, null, null, List.of(), List.of(), List.of());
    }
}
