package dev.alignguard.spark;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.alignguard.experiments.pipeline.TrialRunner;
import dev.alignguard.experiments.report.SummaryFiles;
import dev.alignguard.experiments.results.TrialRecord;

/**
 * A trial's {@link TrialRunner.Outcome} in the form a Spark task returns it: the record as JSON (the
 * summary.json mapper: NaN as "NaN", shortest round-tripping doubles, so the round trip is exact;
 * map order kept), the final alignment-critical updates as float arrays, and the per-step log
 * (JSON lines) the trial wrote on the executor, which the driver writes into the run directory.
 *
 * @param attempt  the Spark task attempt (0 = first) that produced this result
 * @param executor the Spark executor id it ran on ("driver" in local mode)
 */
public record TrialResult(int index, String recordJson, LinkedHashMap<String, float[]> updates, String log,
                          int attempt, String executor)
    implements
        Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private static final ObjectMapper RECORDS = SummaryFiles.mapper().copy()
        .disable(SerializationFeature.INDENT_OUTPUT)
        .disable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    static TrialResult of(int index, TrialRunner.Outcome outcome, String log, int attempt, String executor) {
        try {
            return new TrialResult(index, RECORDS.writeValueAsString(outcome.record()),
                new LinkedHashMap<>(outcome.finalAlignmentUpdates()), log, attempt, executor);
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode the record of trial " + index + ": " + e.getMessage(), e);
        }
    }

    public TrialRecord record() {
        try {
            return RECORDS.readValue(recordJson, TrialRecord.class);
        } catch (IOException e) {
            throw new UncheckedIOException("could not decode the record of trial " + index + ": " + e.getMessage(), e);
        }
    }

    public TrialRunner.Outcome outcome() {
        return new TrialRunner.Outcome(record(), updates.isEmpty() ? Map.of() : new LinkedHashMap<>(updates));
    }
}
