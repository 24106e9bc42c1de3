package dev.alignguard.experiments.cli;

import static dev.alignguard.experiments.cli.RunCommandTest.alignguard;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.eval.Evaluator;
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.pipeline.StageData;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.Presets;
import dev.alignguard.experiments.world.World;
import dev.alignguard.math.kernels.Backend;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.hf.AdapterFiles;
import dev.alignguard.model.hf.LoadedModel;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;

/**
 * What a run keeps (issue 20), on a tiny study run once with {@code --keep all}: the kept aligned model and
 * the trials' adapters load through the public loading path and give the metrics the run logged, bit for
 * bit; {@code alignguard fisher} on the kept aligned model and alignment set gives the logged spectrum;
 * {@code --keep none} changes no number; a rerun reuses what was kept.
 */
class KeepTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path specFile;
    static Path run;
    static JsonNode summary;
    static ExperimentSpec spec;

    /** The tiny test study on one base, with standard LoRA and hard projection (whose adapter is kept dense). */
    @BeforeAll
    static void runTheTinyStudy() throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(Path.of("src/test/resources/tiny-study.json").toFile());
        tree.putArray("base_seeds").add(7);
        var all = tree.withArray("methods");
        tree.set("methods", JSON.createArrayNode().add(all.get(0)).add(all.get(2)));
        tree.putArray("analyses");
        ((ObjectNode) tree.get("pretrain")).put("steps", 30); // short: the test compares the run with itself
        ((ObjectNode) tree.get("align")).put("steps", 15);
        tree.put("name", "keep");
        specFile = dir.resolve("keep.json");
        Files.writeString(specFile, tree.toString());
        spec = Presets.resolve(specFile.toString());
        run = dir.resolve("run");
        RunCommandTest.Run r = alignguard("run", specFile.toString(), "--out", run.toString(), "--keep", "all", "--workers", "2");
        assertEquals(0, r.code(), r.err());
        summary = JSON.readTree(run.resolve("summary.json").toFile());
    }

    private static JsonNode keptBase() {
        JsonNode kept = summary.get("kept");
        assertEquals("all", kept.get("keep").asText());
        assertEquals(1, kept.get("bases").size());
        JsonNode base = kept.get("bases").get(0);
        assertEquals(7, base.get("base_seed").asLong());
        return base;
    }

    private static StageData data() {
        return StageData.of(World.generate(spec.world(), 7), spec.data());
    }

    private static Kernels kernels() {
        return new Backend("vector", 1, null).create(); // the run's backend; its results do not depend on threads
    }

    private static Metrics evaluate(LlamaModel model, StageData data) {
        return new Evaluator(kernels(), data.tokenizer()).withRefusalMarkers(spec.refusalMarkers()).evaluate(model, data.evaluation());
    }

    @Test
    void theKeptAlignedModelGivesTheRunsMetrics() throws IOException {
        JsonNode base = keptBase();
        LoadedModel loaded = ModelFiles.load(run.resolve(base.get("aligned").asText()));
        StageData data = data();
        assertEquals(data.tokenizer(), loaded.tokenizer(), "tokenizer.json holds the run's tokenizer");
        Metrics m = evaluate(loaded.model(), data);
        Map<String, Double> again = MetricNames.of(m, m);
        JsonNode logged = summary.get("aligned");
        int checked = 0;
        for (var e : again.entrySet()) {
            if (logged.has(e.getKey()) && e.getValue() != null && !e.getValue().isNaN()) {
                assertEquals(logged.get(e.getKey()).get("values").get(0).asDouble(), e.getValue(), e.getKey());
                checked++;
            }
        }
        assertTrue(checked >= 5, "compared " + checked + " metrics");
        assertTrue(m.alignmentNll() > 0, "the alignment NLL is a real number to compare, not a zero");
        assertNotEquals(evaluate(ModelFiles.load(run.resolve(base.get("unaligned").asText())).model(), data).alignmentNll(),
            m.alignmentNll(), "the unaligned model is another model");
    }

    @Test
    void eachTrialsKeptAdapterGivesTheTrialsMetrics() throws IOException {
        JsonNode adapters = summary.get("kept").get("adapters");
        assertEquals(2, adapters.size());
        StageData data = data();
        Path aligned = run.resolve(keptBase().get("aligned").asText());
        Metrics alignedMetrics = evaluate(ModelFiles.loadModel(aligned), data);
        for (JsonNode a : adapters) {
            LlamaModel model = ModelFiles.loadModel(aligned);
            AdapterFiles.load(run.resolve(a.get("adapter").asText())).attachTo(model, 0);
            Map<String, Double> again = MetricNames.of(evaluate(model, data), alignedMetrics);
            JsonNode trial = null;
            for (JsonNode t : summary.get("trials")) {
                if (t.get("method").asText().equals(a.get("method").asText())) {
                    trial = t;
                }
            }
            String method = a.get("method").asText();
            for (String k : List.of("refusal_unsafe", "over_refusal_safe", "task_accuracy", "alignment_nll", "drift")) {
                assertEquals(trial.get("metrics").get(k).asDouble(), again.get(k), method + " " + k);
            }
        }
        assertEquals(AdapterFiles.load(run.resolve(adapters.get(1).get("adapter").asText())).config().r(), 16,
            "hard projection's update is kept dense (rank d_in)");
    }

    @Test
    void fisherOnTheKeptModelReproducesTheLoggedSpectrum() throws IOException {
        JsonNode base = keptBase();
        Path out = dir.resolve("fisher");
        RunCommandTest.Run r = alignguard("fisher", "--model", run.resolve(base.get("aligned").asText()).toString(), "--data",
            run.resolve(base.get("alignment_set").asText()).toString(), "--m", "4", "--examples", "8", "--seed", "7", "--out",
            out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode got = JSON.readTree(out.resolve("spectrum.json").toFile()).get("spectrum");
        JsonNode logged = summary.get("spectrum");
        assertEquals(logged.size(), got.size());
        for (int l = 0; l < logged.size(); l++) {
            assertEquals(logged.get(l).get("layer"), got.get(l).get("layer"));
            JsonNode le = logged.get(l).get("raw_eigenvalues"), ge = got.get(l).get("raw_eigenvalues");
            assertEquals(le.size(), ge.size());
            for (int k = 0; k < le.size(); k++) {
                assertRelative(le.get(k).asDouble(), ge.get(k).asDouble(), "eigenvalue " + k + " of " + logged.get(l).get("layer"));
            }
            JsonNode lc = logged.get(l).get("cumulative_energy"), gc = got.get(l).get("cumulative_energy");
            assertRelative(lc.get(lc.size() - 1).asDouble(), gc.get(gc.size() - 1).asDouble(), "captured energy");
        }
        SafetensorsFile f = Safetensors.read(out.resolve("fisher.safetensors"));
        assertArrayEquals(new long[] {4, 16 * 16}, f.tensor("model.layers.0.self_attn.q_proj.eigenvectors").shape());
        assertArrayEquals(new long[] {4, 8 * 16}, f.tensor("model.layers.0.self_attn.v_proj.eigenvectors").shape());
        assertArrayEquals(new long[] {4}, f.tensor("model.layers.0.self_attn.v_proj.eigenvalues_normalised").shape());
        assertTrue(Files.size(out.resolve("spectrum.png")) > 0);

        RunCommandTest.Run kfac = alignguard("fisher", "--model", run.resolve(base.get("aligned").asText()).toString(), "--data",
            run.resolve(base.get("alignment_set").asText()).toString(), "--estimator", "kfac", "--energy", "0.9", "--targets",
            "v_proj", "--out", dir.resolve("kfac").toString());
        assertEquals(0, kfac.code(), kfac.err());
        SafetensorsFile k = Safetensors.read(dir.resolve("kfac/fisher.safetensors"));
        long m = k.tensor("model.layers.0.self_attn.v_proj.eigenvalues").shape()[0];
        assertTrue(m >= 1);
        assertArrayEquals(new long[] {m, 8}, k.tensor("model.layers.0.self_attn.v_proj.output_factors").shape());
        assertArrayEquals(new long[] {m, 16}, k.tensor("model.layers.0.self_attn.v_proj.input_factors").shape());
        assertFalse(k.tensors().containsKey("model.layers.0.self_attn.q_proj.eigenvalues"), "--targets v_proj only");
    }

    @Test
    void fisherWithAnAdapterIsTheFisherOfTheMergedModel() throws IOException {
        JsonNode base = keptBase();
        Path aligned = run.resolve(base.get("aligned").asText());
        Path adapter = run.resolve(summary.get("kept").get("adapters").get(0).get("adapter").asText());
        String data = run.resolve(base.get("alignment_set").asText()).toString();
        RunCommandTest.Run r = alignguard("fisher", "--model", aligned.toString(), "--adapter", adapter.toString(), "--data", data, "--m",
            "4",
            "--out", dir.resolve("with-adapter").toString());
        assertEquals(0, r.code(), r.err());
        LoadedModel merged = ModelFiles.load(aligned);
        AdapterFiles.load(adapter).attachTo(merged.model(), 0);
        merged.model().mergeAdapters(kernels());
        ModelFiles.save(merged.model(), merged.tokenizer(), dir.resolve("merged"));
        assertEquals(0, alignguard("fisher", "--model", dir.resolve("merged").toString(), "--data", data, "--m", "4", "--out",
            dir.resolve("of-merged").toString()).code());
        assertEquals(0, alignguard("fisher", "--model", aligned.toString(), "--data", data, "--m", "4", "--out",
            dir.resolve("without").toString()).code());
        JsonNode with = JSON.readTree(dir.resolve("with-adapter/spectrum.json").toFile());
        assertEquals(adapter.toString(), with.get("adapter").asText());
        assertEquals(JSON.readTree(dir.resolve("of-merged/spectrum.json").toFile()).get("spectrum"), with.get("spectrum"),
            "the Fisher at W + dW");
        assertNotEquals(JSON.readTree(dir.resolve("without/spectrum.json").toFile()).get("spectrum"), with.get("spectrum"),
            "the adapter moves the Fisher");
    }

    /** Within 1e-6 relative: what issue 20 asks of a spectrum recomputed from the kept files. */
    private static void assertRelative(double want, double got, String what) {
        assertTrue(Math.abs(got - want) <= 1e-6 * Math.abs(want), what + ": logged " + want + ", recomputed " + got);
    }

    @Test
    void fisherRefusesBadInputNamingIt() throws IOException {
        JsonNode base = keptBase();
        String model = run.resolve(base.get("aligned").asText()).toString();
        List<String> lines = Files.readAllLines(run.resolve(base.get("alignment_set").asText()));
        List<String> unknown = new ArrayList<>(lines);
        unknown.set(1, unknown.get(1).replace("<refuse>", "<refuse> qwzzyx"));
        Path bad = Files.write(dir.resolve("unknown.jsonl"), unknown);
        RunCommandTest.Run r = alignguard("fisher", "--model", model, "--data", bad.toString(), "--out", dir.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(bad + ":2: field 'response': word 'qwzzyx' is not in the vocabulary of " + model), r.err());

        List<String> missing = new ArrayList<>(lines);
        missing.set(2, "{\"prompt\": \"<bos> what is it ? <sep>\", \"label\": \"unsafe\"}");
        bad = Files.write(dir.resolve("missing.jsonl"), missing);
        r = alignguard("fisher", "--model", model, "--data", bad.toString(), "--out", dir.resolve("x").toString());
        assertTrue(r.err().contains(bad + ":3: field 'response': missing (required)"), r.err());

        r = alignguard("fisher", "--model", dir.resolve("no-model").toString(), "--data", bad.toString(), "--out",
            dir.resolve("x").toString());
        assertTrue(r.err().contains(dir.resolve("no-model") + ": --model does not exist"), r.err());

        Path bare = dir.resolve("bare");
        Files.createDirectories(bare);
        for (String f : List.of(ModelFiles.CONFIG_FILE, ModelFiles.WEIGHTS_FILE)) {
            Files.copy(Path.of(model, f), bare.resolve(f));
        }
        r = alignguard("fisher", "--model", bare.toString(), "--data", run.resolve(base.get("alignment_set").asText()).toString(),
            "--out", dir.resolve("x").toString());
        assertTrue(r.err().contains("has no tokenizer.json"), r.err());

        r = alignguard("fisher", "--model", model, "--data", bad.toString(), "--m", "4", "--energy", "0.5", "--out", "x");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("mutually exclusive"), r.err());
        assertFalse(Files.exists(dir.resolve("x")), "nothing written on a refusal");
    }

    @Test
    void keepingChangesNoNumberAndARerunReusesWhatWasKept() throws IOException {
        Path none = dir.resolve("none");
        RunCommandTest.Run r = alignguard("run", specFile.toString(), "--out", none.toString(), "--keep", "none", "--workers", "1");
        assertEquals(0, r.code(), r.err());
        JsonNode other = JSON.readTree(none.resolve("summary.json").toFile());
        for (String field : List.of("aligned", "unaligned", "methods", "spectrum")) {
            assertEquals(summary.get(field), other.get(field), field + " is the same whatever is kept");
        }
        assertEquals("none", other.get("kept").get("keep").asText());
        assertEquals(0, other.get("kept").get("bases").size());
        assertFalse(Files.exists(none.resolve("bases")), "--keep none leaves no model folders");
        try (var files = Files.walk(none)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().equals("adapter")), "nor adapters");
        }

        Path adapter = run.resolve(summary.get("kept").get("adapters").get(0).get("adapter").asText());
        var written = Files.getLastModifiedTime(adapter.resolve(AdapterFiles.WEIGHTS_FILE));
        RunCommandTest.Run again = alignguard("run", specFile.toString(), "--out", run.toString(), "--keep", "all");
        assertEquals(0, again.code(), again.err());
        JsonNode rerun = JSON.readTree(run.resolve("summary.json").toFile());
        for (int i = 0; i < summary.get("trials").size(); i++) { // a trial run again would have taken another time
            assertEquals(summary.get("trials").get(i).get("seconds"), rerun.get("trials").get(i).get("seconds"), "trial " + i
                + " was taken from the folder, not run again");
        }
        assertEquals(written, Files.getLastModifiedTime(adapter.resolve(AdapterFiles.WEIGHTS_FILE)), "the kept adapter is reused");
        assertEquals(summary.get("kept"), rerun.get("kept"));
    }
}
