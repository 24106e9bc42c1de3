package dev.alignguard.spark;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.alignguard.experiments.pipeline.TrialAdapter;
import dev.alignguard.experiments.pipeline.TrialRunner;
import dev.alignguard.experiments.report.SummaryFiles;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;

/**
 * A trial's {@link TrialRunner.Outcome} in the form a Spark task returns it: the record as JSON (the
 * summary.json mapper: NaN as "NaN", shortest round-tripping doubles, so the round trip is exact;
 * map order kept), the final alignment-critical updates as float arrays, and the per-step log
 * (JSON lines) the trial wrote on the executor, which the driver writes into the run directory, and the
 * trial's adapter ({@link TrialAdapter}), which the driver's run folder keeps with {@code --keep all}.
 *
 * @param attempt  the Spark task attempt (0 = first) that produced this result
 * @param executor the Spark executor id it ran on ("driver" in local mode)
 */
public record TrialResult(int index, String recordJson, LinkedHashMap<String, float[]> updates, String log,
                          int attempt, String executor, AdapterParts adapter)
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
                new LinkedHashMap<>(outcome.finalAlignmentUpdates()), log, attempt, executor,
                outcome.adapter() == null ? null : AdapterParts.of(outcome.adapter()));
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
        return new TrialRunner.Outcome(record(), updates.isEmpty() ? Map.of() : new LinkedHashMap<>(updates),
            adapter == null ? null : adapter.toAdapter());
    }

    /**
     * A {@link TrialAdapter} as plain values: the LoRA settings and per module path A ({@code r x in}) and B
     * ({@code out x r}), row-major; the sizes follow from r and the array lengths.
     */
    public record AdapterParts(int r, double loraAlpha, double loraDropout, ArrayList<String> targetModules, String targetRegex,
                               boolean useRslora, boolean dense, LinkedHashMap<String, float[]> a,
                               LinkedHashMap<String, float[]> b)
        implements
            Serializable {

        @Serial
        private static final long serialVersionUID = 1L;

        static AdapterParts of(TrialAdapter t) {
            LoraConfig c = t.config();
            LinkedHashMap<String, float[]> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
            t.adapters().forEach((path, ad) -> {
                a.put(path, ad.a().data().clone());
                b.put(path, ad.b().data().clone());
            });
            return new AdapterParts(c.r(), c.loraAlpha(), c.loraDropout(), new ArrayList<>(c.targetModules()), c.targetRegex(),
                c.useRslora(), t.dense(), a, b);
        }

        TrialAdapter toAdapter() {
            LoraConfig c = new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, useRslora);
            Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
            a.forEach((path, av) -> {
                float[] bv = b.get(path);
                adapters.put(path, new LoraAdapter(Tensor.parameter(path + ".lora_A.weight", r, av.length / r, av),
                    Tensor.parameter(path + ".lora_B.weight", bv.length / r, r, bv), c.scaling()));
            });
            return new TrialAdapter(c, adapters, dense);
        }
    }
}
