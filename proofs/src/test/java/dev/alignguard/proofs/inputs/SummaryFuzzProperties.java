package dev.alignguard.proofs.inputs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.report.SummaryFiles;
import dev.alignguard.experiments.report.SummaryFormatException;
import dev.alignguard.experiments.results.CurvePoint;
import dev.alignguard.experiments.results.LayerSpectrum;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.model.safetensors.InputFormatException;

/** {@code summary.json} ({@link SummaryFiles#read}, what {@code alignguard report} reads) under random and mutated input. */
class SummaryFuzzProperties implements ReaderFuzzLaws {

    @TempDir
    static Path dir;

    @Override
    public List<byte[]> validFiles() {
        Map<String, Stat> metrics = new LinkedHashMap<>();
        metrics.put("refusal_unsafe", Stat.of(new double[] {0.6, 0.7}));
        metrics.put("task_accuracy", Stat.of(new double[] {0.9}));
        metrics.put("drift_reduction", Stat.of(new double[] {Double.NaN}));
        List<MethodSummary> methods = List.of(new MethodSummary("lora", "lora", Double.NaN, "lora", metrics),
            new MethodSummary("alignguard", "alignguard", 0.1, "alignguard [λ=0.1]", metrics));
        List<TrialRecord> trials = List.of(new TrialRecord("lora", "lora", Double.NaN, 1, Map.of("refusal_unsafe", 0.6),
            List.of(new CurvePoint(0, 0.9, 0.2, 0.3, 2.0), new CurvePoint(10, 0.6, 0.9, 1.2, 0.5)), 1.5, "logs/lora-1.jsonl", null));
        List<TrialRecord> failures = List.of(new TrialRecord("ewc", "ewc", 10, 2, Map.of(), List.of(), 0.1, null,
            "loss became NaN at step 3"));
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", "fuzz");
        Summary s = new Summary("fuzz", "a summary to damage", "0.2.0", "abc", new long[] {1, 2}, spec,
            Map.of("refusal_unsafe", Stat.of(new double[] {0.95, 0.97})), Map.of(), methods, trials, failures,
            List.of(new LayerSpectrum("layers.0.q", new double[] {3, 1}, new double[] {0.75, 1}, 3)), Map.of(), 12.5);
        Summary minimal = new Summary("minimal", "", "0.2.0", null, new long[] {1}, null, Map.of(), Map.of(), List.of(),
            List.of(), List.of(), List.of(), Map.of(), 0);
        return List.of(SummaryFiles.toJson(s).getBytes(StandardCharsets.UTF_8),
            SummaryFiles.toJson(minimal).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Path place(byte[] content) throws Exception {
        return Files.write(dir.resolve(SummaryFiles.FILE_NAME), content);
    }

    @Override
    public void read(Path input) throws Exception {
        SummaryFiles.read(input);
    }

    @Override
    public Class<? extends InputFormatException> refusal() {
        return SummaryFormatException.class;
    }
}
