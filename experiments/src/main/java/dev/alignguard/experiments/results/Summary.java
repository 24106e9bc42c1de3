package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Everything a study produced, as written to summary.json: the spec it ran (verbatim), the seeds,
 * the project version and git commit, the aligned (and unaligned) base models' metrics, one
 * {@link MethodSummary} per method and strength, every trial, the trials that failed for good,
 * the Fisher spectrum, and preset-specific analyses under {@code analyses} (e.g. a power-law fit).
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
                      @JsonProperty("wall_seconds") double wallSeconds) {
}
