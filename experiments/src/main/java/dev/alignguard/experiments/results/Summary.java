package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import dev.alignguard.math.kernels.Backend;

/**
 * Everything a study produced, as written to summary.json: the spec it ran (verbatim), the seeds,
 * the project version and git commit, the aligned (and unaligned) base models' metrics, one
 * {@link MethodSummary} per method and strength, every trial, the trials that failed for good,
 * the Fisher spectrum, preset-specific analyses under {@code analyses} (e.g. a power-law fit), and the
 * kernel backend and thread count the run was asked for under {@code backend}.
 */
public record Summary(@JsonProperty("name") String name,
                      @JsonProperty("description") String description,
                      @JsonProperty("project_version") String projectVersion,
                      @JsonProperty("git_commit") String gitCommit,
                      @JsonProperty("seeds") long[] seeds,
                      @JsonProperty("spec") JsonNode spec,
                      @JsonProperty("aligned") Map<String, Stat> aligned,
                      @JsonProperty("unaligned") Map<String, Stat> unaligned,
                      @JsonProperty("methods") List<MethodSummary> methods,
                      @JsonProperty("trials") List<TrialRecord> trials,
                      @JsonProperty("failures") List<TrialRecord> failures,
                      @JsonProperty("spectrum") List<LayerSpectrum> spectrum,
                      @JsonProperty("analyses") Map<String, JsonNode> analyses,
                      @JsonProperty("wall_seconds") double wallSeconds,
                      @JsonProperty("backend") Backend backend) {

    /** A summary that does not say which kernels ran (hand-made ones, older files). */
    public Summary(String name, String description, String projectVersion, String gitCommit, long[] seeds, JsonNode spec,
                   Map<String, Stat> aligned, Map<String, Stat> unaligned, List<MethodSummary> methods,
                   List<TrialRecord> trials, List<TrialRecord> failures, List<LayerSpectrum> spectrum,
                   Map<String, JsonNode> analyses, double wallSeconds) {
        this(name, description, projectVersion, gitCommit, seeds, spec, aligned, unaligned, methods, trials, failures,
            spectrum, analyses, wallSeconds, null);
    }
}
