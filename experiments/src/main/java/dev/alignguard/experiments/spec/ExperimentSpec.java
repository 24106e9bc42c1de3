package dev.alignguard.experiments.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.JsonMappers;

/**
 * A study, as a JSON file a researcher can copy and edit: the world, the model, the three stages,
 * the Fisher estimation, the methods and their strengths, the seeds, and preset-specific analyses.
 * A run is a pure function of its spec: same spec, same numbers.
 *
 * @param baseSeeds      seeds of the world and of the pretrained and aligned models: one base per seed
 * @param finetuneSeeds  seeds of the fine-tuning (adapter init, data order, Fisher sample); every
 *                       trial is one (base seed, fine-tune seed) pair, and intervals are over bases
 * @param matched        the matched-accuracy search (null: none; only the listed strengths run)
 * @param analyses          extra analyses: subspace_stability, power_law
 * @param data              optional JSONL files replacing the world's data stage by stage (null: none)
 * @param sequence          sequential fine-tuning over several tasks (null: none, one task per trial;
 *                          written only when present, so other specs' JSON and run keys are unchanged)
 */
public record ExperimentSpec(@JsonProperty("name") String name,
                             @JsonProperty("description") String description,
                             @JsonProperty("base_seeds") List<Long> baseSeeds,
                             @JsonProperty("finetune_seeds") List<Long> finetuneSeeds,
                             @JsonProperty("world") WorldSpec world,
                             @JsonProperty("model") ModelSpec model,
                             @JsonProperty("pretrain") StageSpec pretrain,
                             @JsonProperty("align") StageSpec align,
                             @JsonProperty("finetune") FinetuneSpec finetune,
                             @JsonProperty("fisher") FisherSpec fisher,
                             @JsonProperty("methods") List<MethodSpec> methods,
                             @JsonProperty("analyses") List<String> analyses,
                             @JsonProperty("data") DataSpec data,
                             @JsonProperty("matched") MatchedSpec matched,
                             @JsonProperty("sequence") @JsonInclude(JsonInclude.Include.NON_NULL) SequenceSpec sequence) {

    /** Reads and writes specs: unknown fields refused, within the input limits ({@link JsonMappers}). */
    public static final ObjectMapper JSON = JsonMappers.mapper()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(SerializationFeature.INDENT_OUTPUT);

    public ExperimentSpec {
        require(name != null && !name.isBlank(), "name is missing");
        require(baseSeeds != null && !baseSeeds.isEmpty(), "base_seeds must list at least one seed");
        require(finetuneSeeds != null && !finetuneSeeds.isEmpty(), "finetune_seeds must list at least one seed");
        require(new HashSet<>(baseSeeds).size() == baseSeeds.size(), "base_seeds lists a seed twice: " + baseSeeds);
        require(new HashSet<>(finetuneSeeds).size() == finetuneSeeds.size(),
            "finetune_seeds lists a seed twice: " + finetuneSeeds);
        require(world != null && model != null && pretrain != null && align != null && finetune != null && fisher != null,
            "world, model, pretrain, align, finetune and fisher are all required");
        require(methods != null && !methods.isEmpty(), "methods must list at least one method");
        Set<String> names = new HashSet<>();
        for (MethodSpec m : methods) {
            require(names.add(m.name()), "two methods are named " + m.name());
        }
        baseSeeds = List.copyOf(baseSeeds);
        finetuneSeeds = List.copyOf(finetuneSeeds);
        methods = List.copyOf(methods);
        analyses = analyses == null ? List.of() : List.copyOf(analyses);
        description = description == null ? "" : description;
    }

    /** A spec without a sequence block (every study but the continual one). */
    public ExperimentSpec(String name, String description, List<Long> baseSeeds, List<Long> finetuneSeeds, WorldSpec world,
        ModelSpec model, StageSpec pretrain, StageSpec align, FinetuneSpec finetune, FisherSpec fisher,
        List<MethodSpec> methods, List<String> analyses, DataSpec data, MatchedSpec matched) {
        this(name, description, baseSeeds, finetuneSeeds, world, model, pretrain, align, finetune, fisher, methods, analyses,
            data, matched, null);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid experiment spec: " + message);
        }
    }

    /** The same study with fine-tune seeds 1..n. */
    public ExperimentSpec withSeedCount(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--seeds must be >= 1, got " + n);
        }
        List<Long> s = java.util.stream.LongStream.rangeClosed(1, n).boxed().toList();
        return new ExperimentSpec(name, description, baseSeeds, s, world, model, pretrain, align, finetune, fisher,
            methods, analyses, data, matched, sequence);
    }

    /** The same study with n base seeds: the spec's first base seed and the n - 1 after it. */
    public ExperimentSpec withBaseSeedCount(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--base-seeds must be >= 1, got " + n);
        }
        long first = baseSeeds.getFirst();
        List<Long> b = java.util.stream.LongStream.range(first, first + n).boxed().toList();
        return new ExperimentSpec(name, description, b, finetuneSeeds, world, model, pretrain, align, finetune, fisher,
            methods, analyses, data, matched, sequence);
    }

    /** How refusals are recognised: the data section's markers, else the world's refusal token. */
    public dev.alignguard.experiments.eval.RefusalMarkers refusalMarkers() {
        return dev.alignguard.experiments.eval.RefusalMarkers.of(data == null ? null : data.refusalMarkers());
    }

    /** The first base seed: the one whose aligned model the spectrum figure shows. */
    public long firstBaseSeed() {
        return baseSeeds.getFirst();
    }

    public JsonNode toJson() {
        return JSON.valueToTree(this);
    }

    /** A copy with dotted-path overrides applied (e.g. {@code "fisher.m": 8}), re-validated. */
    public ExperimentSpec withOverrides(Map<String, JsonNode> overrides) {
        if (overrides.isEmpty()) {
            return this;
        }
        ObjectNode tree = (ObjectNode) toJson();
        for (var e : overrides.entrySet()) {
            String[] path = e.getKey().split("\\.");
            ObjectNode node = tree;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode child = node.get(path[i]);
                if (!(child instanceof ObjectNode o)) {
                    throw new IllegalArgumentException("override " + e.getKey() + ": no object at '" + path[i] + "'");
                }
                node = o;
            }
            String leaf = path[path.length - 1];
            if (!node.has(leaf)) {
                throw new IllegalArgumentException("override " + e.getKey() + ": no field '" + leaf + "'");
            }
            node.set(leaf, e.getValue());
        }
        try {
            return JSON.treeToValue(tree, ExperimentSpec.class);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("overrides " + overrides.keySet() + " make the spec invalid: "
                + ex.getOriginalMessage(), ex);
        }
    }

    /**
     * Reads and validates a spec file; errors ({@link SpecFormatException}) name the file and the
     * field at fault. The file is read within the {@link InputLimits} JSON limits. Data files the
     * spec names by relative paths are resolved against the spec's own folder, so a spec and its
     * data can be moved together and run from anywhere ({@link DataSpec#resolvedAgainst}).
     */
    public static ExperimentSpec read(Path file) throws IOException {
        String text;
        try {
            text = InputLimits.readJsonDocument(file, "a spec", SpecFormatException::new);
        } catch (NoSuchFileException e) {
            throw new IOException("spec file " + file + " does not exist");
        }
        ExperimentSpec spec = parse(text, file, file.toString());
        Path folder = file.toAbsolutePath().getParent();
        return spec.data() == null || folder == null ? spec : spec.withData(spec.data().resolvedAgainst(folder));
    }

    /**
     * Parses a spec from a stream (a preset on the class path, a test's text); {@code source} names it
     * in messages. Relative data paths stay relative to the working directory.
     */
    public static ExperimentSpec parse(InputStream in, String source) throws IOException {
        Path file = Path.of(source.replaceAll("[^A-Za-z0-9._/-]", "_"));
        byte[] bytes = in.readNBytes((int) InputLimits.JSON_MAX_DOCUMENT_BYTES + 1);
        if (bytes.length > InputLimits.JSON_MAX_DOCUMENT_BYTES) {
            throw new SpecFormatException(file, source, "", InputLimits.tooLarge("the spec", bytes.length,
                InputLimits.JSON_MAX_DOCUMENT_BYTES, "JSON_MAX_DOCUMENT_BYTES"));
        }
        String text = InputLimits.utf8(bytes);
        if (text == null) {
            throw new SpecFormatException(file, source, "", "not UTF-8 text (JSON is UTF-8)");
        }
        return parse(text, file, source);
    }

    private static ExperimentSpec parse(String text, Path file, String source) throws SpecFormatException {
        try {
            ExperimentSpec spec = JSON.readValue(text, ExperimentSpec.class);
            if (spec == null) {
                throw new SpecFormatException(file, source, "", "empty (expected a JSON object)");
            }
            return spec;
        } catch (MismatchedInputException e) {
            throw new SpecFormatException(file, source, " at " + path(e), String.valueOf(e.getOriginalMessage()));
        } catch (JacksonException e) {
            String where = e.getLocation() == null || e.getLocation().getLineNr() < 0 ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : null;
            String problem = cause != null ? cause.getMessage()
                : JsonMappers.isLimit(e) ? "exceeds an input limit (InputLimits): " + e.getOriginalMessage()
                    : e.getOriginalMessage();
            throw new SpecFormatException(file, source, where, String.valueOf(problem));
        } catch (IOException e) { // reading a string: no I/O can fail, only the content
            throw new SpecFormatException(file, source, "", String.valueOf(e.getMessage()));
        }
    }

    /** The same study with another data section (null: none). */
    public ExperimentSpec withData(DataSpec newData) {
        return new ExperimentSpec(name, description, baseSeeds, finetuneSeeds, world, model, pretrain, align, finetune,
            fisher, methods, analyses, newData, matched, sequence);
    }

    private static String path(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "the top level" : "field '" + sb + "'";
    }
}
