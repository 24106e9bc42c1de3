package dev.alignguard.experiments.inspect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.report.Plots;
import dev.alignguard.experiments.report.SummaryFiles;
import dev.alignguard.experiments.results.LayerSpectrum;
import dev.alignguard.experiments.world.Example;
import dev.alignguard.experiments.world.JsonlDataset;
import dev.alignguard.experiments.world.JsonlFormatException;
import dev.alignguard.experiments.world.UnknownWords;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.model.safetensors.AtomicFiles;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.StoredTensor;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.SubspaceSettings;

/**
 * The alignment Fisher of a model on given alignment examples, the way a study estimates it at its
 * aligned model ({@code Study}'s spectrum, {@code TrialContext}'s subspaces): the same examples (a seeded
 * sample when {@code examples} is below the file's count), the same estimator and settings, so a run's
 * kept aligned model and alignment set give the run's logged spectrum. Written as
 * <pre>
 *   OUT/fisher.safetensors   per layer (its module path as in the model, e.g. model.layers.0.self_attn.q_proj):
 *                              LAYER.eigenvalues             [m]                 F64, raw, descending
 *                              LAYER.eigenvalues_normalised  [m]                 F64, raw / raw_scale (what the penalty weighs)
 *                              LAYER.eigenvectors            [m, d_out * d_in]   F64, row k = u_k, row-major vec of the weight
 *                            or, for kfac, the Kronecker factors of each kept eigenvector u_k = vec(q_k p_k^T):
 *                              LAYER.output_factors          [m, d_out]          F64, q_k (eigenvectors of S = E[delta delta^T])
 *                              LAYER.input_factors           [m, d_in]           F64, p_k (eigenvectors of A = E[a a^T])
 *                            metadata: format, estimator, normalisation, raw_scale, examples, layers
 *   OUT/spectrum.json        settings, inputs, per layer d_out, d_in, rank, captured energy, and "spectrum": per layer
 *                            raw eigenvalues, cumulative energy and raw scale, as summary.json's "spectrum"
 *   OUT/spectrum.png         the spectrum figure of a run's report
 * </pre>
 * The three files are replaced together or not at all ({@link AtomicFiles#writeAll}).
 */
public final class ModelFisher {

    public static final String FORMAT = "alignguard-fisher-1";
    public static final String TENSORS = "fisher.safetensors";
    public static final String SPECTRUM_JSON = "spectrum.json";

    private static final ObjectMapper JSON = SummaryFiles.mapper();

    private ModelFisher() {
    }

    /**
     * The examples of a JSON Lines file (prompt, response) as sequences under {@code tokenizer}; a word
     * outside its vocabulary is refused naming the data file, the line, the field and {@code tokenizerFile}.
     */
    public static List<Sequence> sequences(JsonlDataset.Numbered data, WordTokenizer tokenizer, Path tokenizerFile)
        throws JsonlFormatException {
        List<Sequence> out = new ArrayList<>(data.dataset().size());
        for (int i = 0; i < data.dataset().size(); i++) {
            Example e = data.dataset().get(i);
            long line = data.line(i);
            for (String field : List.of("prompt", "response")) {
                String text = field.equals("prompt") ? e.prompt() : e.response();
                for (String piece : tokenizer.split(text)) {
                    if (!tokenizer.contains(piece)) {
                        throw new JsonlFormatException(data.file(), line, field, "word '" + piece + "' is not in the vocabulary of "
                            + tokenizerFile + " (" + tokenizer.vocabSize() + " tokens)");
                    }
                }
            }
            try {
                out.add(e.toSequence(tokenizer, UnknownWords.FAIL));
            } catch (IllegalArgumentException x) {
                throw new JsonlFormatException(data.file(), line, null, x.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new JsonlFormatException(data.file(), "holds no examples (expected one JSON object per line with \"prompt\","
                + " \"response\" and \"label\")");
        }
        return out;
    }

    /**
     * The model's linear modules that {@code targets} select (peft's reading: a name matches a module path
     * equal to it or ending in {@code .name}), in model order.
     *
     * @throws IllegalArgumentException naming the targets and the module names there are when none matches
     */
    public static List<String> layers(LlamaModel model, List<String> targets) {
        LoraConfig select = new LoraConfig(1, 1, 0, targets, null, false);
        List<String> out = new ArrayList<>();
        for (Linear l : model.linears()) {
            if (select.targets(l.path())) {
                out.add(l.path());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--targets " + String.join(",", targets) + " match no linear module of the model"
                + " (its modules end in q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head)");
        }
        return out;
    }

    /** The subspaces of {@code layers} at the model's current weights (attached adapters merged), as a study estimates them. */
    public static Map<String, LayerSubspace> estimate(LlamaModel model, List<String> layers, List<Sequence> examples,
                                                      SubspaceSettings settings, Kernels kernels) {
        return FisherEstimators.of(settings).estimate(model, kernels, layers, examples, settings);
    }

    /** The spectra of the subspaces, as summary.json's "spectrum". */
    public static List<LayerSpectrum> spectra(Map<String, LayerSubspace> subspaces) {
        return subspaces.values().stream().map(LayerSpectrum::of).toList();
    }

    /**
     * Writes {@code fisher.safetensors}, {@code spectrum.json} and {@code spectrum.png} into {@code out}
     * (created if needed), all or none.
     *
     * @param inputs what the estimate was made of (model, adapter, data, ...), recorded in spectrum.json
     * @param used   the number of examples the estimate used
     */
    public static void write(Path out, Map<String, LayerSubspace> subspaces, SubspaceSettings settings, int used,
                             Map<String, String> inputs)
        throws IOException {
        java.nio.file.Files.createDirectories(out);
        double rawScale = subspaces.isEmpty() ? 1 : subspaces.values().iterator().next().rawScale();
        List<StoredTensor> tensors = new ArrayList<>();
        ArrayNode layerNames = JSON.createArrayNode();
        for (LayerSubspace s : subspaces.values()) {
            layerNames.add(s.layer());
            int m = s.rank();
            double[] raw = new double[m];
            for (int k = 0; k < m; k++) {
                raw[k] = s.eigenvalues()[k] * s.rawScale();
            }
            tensors.add(StoredTensor.f64(s.layer() + ".eigenvalues", new long[] {m}, raw));
            tensors.add(StoredTensor.f64(s.layer() + ".eigenvalues_normalised", new long[] {m}, s.eigenvalues().clone()));
            if (s.projector() instanceof KroneckerProjector kron) {
                double[] q = new double[m * s.dOut()];                                // m x d_out
                double[] p = new double[m * s.dIn()];                                 // m x d_in
                for (int k = 0; k < m; k++) {
                    System.arraycopy(kron.outputFactor(k), 0, q, k * s.dOut(), s.dOut());
                    System.arraycopy(kron.inputFactor(k), 0, p, k * s.dIn(), s.dIn());
                }
                tensors.add(StoredTensor.f64(s.layer() + ".output_factors", new long[] {m, s.dOut()}, q));
                tensors.add(StoredTensor.f64(s.layer() + ".input_factors", new long[] {m, s.dIn()}, p));
            } else {
                double[] u = new double[m * s.dim()];                                 // m x (d_out * d_in)
                for (int k = 0; k < m; k++) {
                    System.arraycopy(s.basis()[k], 0, u, k * s.dim(), s.dim());
                }
                tensors.add(StoredTensor.f64(s.layer() + ".eigenvectors", new long[] {m, s.dim()}, u));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("estimator", settings.estimator().name().toLowerCase(java.util.Locale.ROOT));
        meta.put("normalisation", settings.normalisation().name().toLowerCase(java.util.Locale.ROOT));
        meta.put("raw_scale", Double.toString(rawScale));
        meta.put("examples", Integer.toString(used));
        meta.put("layers", layerNames.toString());

        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        inputs.forEach(o::put);
        o.put("estimator", meta.get("estimator"));
        o.put("rule", settings.rule() instanceof dev.alignguard.math.projection.SelectionRule.Rank r ? "m=" + r.m()
            : "energy=" + ((dev.alignguard.math.projection.SelectionRule.Energy) settings.rule()).fraction());
        o.put("normalisation", meta.get("normalisation"));
        o.put("examples", used);
        o.put("seed", settings.seed());
        o.put("raw_scale", rawScale);
        ArrayNode layers = o.putArray("layers");
        for (LayerSubspace s : subspaces.values()) {
            ObjectNode l = layers.addObject();
            l.put("layer", s.layer());
            l.put("d_out", s.dOut());
            l.put("d_in", s.dIn());
            l.put("rank", s.rank());
            l.put("captured_energy", s.capturedEnergy());
        }
        List<LayerSpectrum> spectra = spectra(subspaces);
        o.set("spectrum", JSON.valueToTree(spectra));
        byte[] json = (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);

        Map<Path, AtomicFiles.Body> files = new LinkedHashMap<>();
        files.put(out.resolve(TENSORS), Safetensors.body(SafetensorsFile.of(tensors, meta)));
        files.put(out.resolve(SPECTRUM_JSON), ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(json)));
        var figure = Plots.spectrum(spectra, "Alignment Fisher spectrum per layer: " + inputs.getOrDefault("model", "model"),
            "kept eigenvalues (" + meta.get("estimator") + ", N = " + used + ") and the energy they capture");
        if (figure.isPresent()) {
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            org.jfree.chart.ChartUtils.writeChartAsPNG(png, figure.get().chart(), figure.get().width(), figure.get().height());
            byte[] bytes = png.toByteArray();
            files.put(out.resolve(Plots.SPECTRUM), ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(bytes)));
        } else {
            java.nio.file.Files.deleteIfExists(out.resolve(Plots.SPECTRUM)); // no positive eigenvalue: no figure
        }
        AtomicFiles.writeAll(files);
    }
}
