package dev.alignguard.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.alignguard.experiments.inspect.ModelFisher;
import dev.alignguard.experiments.world.JsonlDataset;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.hf.AdapterFiles;
import dev.alignguard.model.hf.LoadedModel;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.SubspaceSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alignguard fisher}: the alignment Fisher of any model folder on given alignment examples
 * ({@link ModelFisher}), without running a study. With a run's kept aligned model, its alignment set and
 * the spec's Fisher settings (the first base seed as {@code --seed}) it gives the run's logged spectrum.
 */
@Command(name = "fisher", mixinStandardHelpOptions = true,
    description = {"Estimates the alignment Fisher of a model folder on alignment examples and writes OUT/fisher.safetensors"
        + " (per layer the kept eigenvectors [m, d_out*d_in], or for kfac their Kronecker factors, and the eigenvalues raw"
        + " and normalised), OUT/spectrum.json and OUT/spectrum.png.",
        "The words are read with the model folder's tokenizer.json. A study's spectrum is reproduced by its first base's"
            + " aligned model and alignment set with the spec's fisher settings and --seed <first base seed>."})
public final class FisherCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "A model folder (config.json, model.safetensors, tokenizer.json), e.g. a run's bases/KEY/aligned.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE.jsonl",
        description = "Alignment examples, one JSON object per line with \"prompt\", \"response\" and \"label\" (the JSONL"
            + " datasets of specs), e.g. a run's bases/KEY/alignment.jsonl.")
    Path data;

    @Option(names = "--estimator", defaultValue = "exact", paramLabel = "exact|lanczos|kfac|diagonal",
        description = "The estimator (default: ${DEFAULT-VALUE}).")
    String estimator;

    /** Rank or energy: one of the two. */
    static final class Rule {
        @Option(names = "--m", paramLabel = "M", description = "Directions kept per layer (default: 16).")
        Integer m;

        @Option(names = "--energy", paramLabel = "E",
            description = "Instead of --m: the fewest directions holding this fraction of each layer's Fisher trace (0 < E <= 1).")
        Double energy;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Rule rule = new Rule();

    @Option(names = "--targets", defaultValue = "q_proj,v_proj", split = ",", paramLabel = "MODULE",
        description = "The layers, as peft's target_modules names (default: ${DEFAULT-VALUE}).")
    List<String> targets;

    @Option(names = "--examples", paramLabel = "N",
        description = "Use a seeded sample of N examples (as a spec's fisher.examples; default: every example of --data).")
    Integer examples;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
        description = "Seed of the example sample and of the Lanczos start vector (a study uses its first base seed;"
            + " default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--normalisation", defaultValue = "max_eigenvalue", paramLabel = "max_eigenvalue|trace|none",
        description = "How the normalised eigenvalues are scaled (default: ${DEFAULT-VALUE}).")
    String normalisation;

    @Option(names = "--adapter", paramLabel = "DIR",
        description = "A peft adapter folder (adapter_config.json, adapter_model.safetensors) applied first: the Fisher"
            + " is then taken at W + dW, e.g. a run's trials/KEY/adapter.")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The folder to write into (created if needed).")
    Path out;

    @Mixin
    BackendOptions kernels = new BackendOptions();

    @Override
    public Integer call() {
        try {
            SubspaceSettings settings = settings();
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException(out + ": --out names a file; it must name a folder to write into");
            }
            if (!Files.isDirectory(model)) {
                throw new IllegalArgumentException(model + ": --model " + (Files.exists(model) ? "is not a folder" : "does not exist")
                    + " (expected a model folder with " + ModelFiles.CONFIG_FILE + ", " + ModelFiles.WEIGHTS_FILE + " and "
                    + ModelFiles.TOKENIZER_FILE + ")");
            }
            if (!Files.isRegularFile(data)) {
                throw new IllegalArgumentException(data + ": --data " + (Files.exists(data) ? "is not a file" : "does not exist")
                    + " (expected alignment examples as JSON Lines)");
            }
            LoadedModel loaded = ModelFiles.load(model);
            Path tokenizerFile = model.resolve(ModelFiles.TOKENIZER_FILE);
            WordTokenizer tokenizer = loaded.optionalTokenizer().orElseThrow(() -> new IllegalArgumentException(model
                + ": the model folder has no " + ModelFiles.TOKENIZER_FILE + "; fisher reads the words of " + data + " with it"));
            LlamaModel m = loaded.model();
            if (adapter != null) {
                AdapterFiles.load(adapter).attachTo(m, 0);
            }
            List<String> layers = ModelFisher.layers(m, targets);
            List<Sequence> all = ModelFisher.sequences(JsonlDataset.readNumbered(data), tokenizer, tokenizerFile);
            if (examples == null) {
                settings = new SubspaceSettings(settings.estimator(), settings.rule(), settings.normalisation(), all.size(),
                    settings.softProjection(), settings.seed());
            }
            int used = FisherEstimators.examples(all, settings).size();
            for (Sequence s : all) {
                if (s.length() > m.config().maxPositionEmbeddings()) {
                    throw new IllegalArgumentException(data + ": an example of " + s.length() + " tokens exceeds the model's"
                        + " max_position_embeddings " + m.config().maxPositionEmbeddings());
                }
            }
            var backend = kernels.backend();
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "%s%nFisher (%s) of %s%s on %d of %d examples of %s, layers %s%n",
                kernels.describe(backend, backend.create()), settings.estimator().name().toLowerCase(Locale.ROOT), model,
                adapter == null ? "" : " with adapter " + adapter, used, all.size(), data, layers);
            o.flush();
            Map<String, LayerSubspace> subspaces = ModelFisher.estimate(m, layers, all, settings, backend.create());
            Map<String, String> inputs = new LinkedHashMap<>();
            inputs.put("model", model.toString());
            if (adapter != null) {
                inputs.put("adapter", adapter.toString());
            }
            inputs.put("data", data.toString());
            inputs.put("backend", backend.name());
            ModelFisher.write(out, subspaces, settings, used, inputs);
            for (LayerSubspace s : subspaces.values()) {
                o.printf(Locale.ROOT, "  %-36s rank %3d  top eigenvalue %.6g  captured energy %.4f%n", s.layer(), s.rank(),
                    s.rank() == 0 ? 0.0 : s.eigenvalues()[0] * s.rawScale(), s.capturedEnergy());
            }
            o.printf("wrote %s, %s and %s%n", out.resolve(ModelFisher.TENSORS), out.resolve(ModelFisher.SPECTRUM_JSON),
                out.resolve(dev.alignguard.experiments.report.Plots.SPECTRUM));
            o.flush();
            return 0;
        } catch (NoSuchFileException e) {
            return ModelCommand.fail(spec, new IOException(e.getFile() + ": no such file"));
        } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
            return ModelCommand.fail(spec, e);
        }
    }

    /** The settings the options give, refusing values out of range. */
    SubspaceSettings settings() {
        SubspaceSettings.Estimator kind = SubspaceSettings.Estimator.parse(estimator);
        SubspaceSettings.Normalisation norm = SubspaceSettings.Normalisation.parse(normalisation);
        SelectionRule r;
        if (rule != null && rule.energy != null) {
            if (!(rule.energy > 0 && rule.energy <= 1)) {
                throw new IllegalArgumentException("--energy must be in (0, 1], got " + rule.energy);
            }
            r = new SelectionRule.Energy(rule.energy);
        } else {
            int mm = rule != null && rule.m != null ? rule.m : 16;
            if (mm < 1) {
                throw new IllegalArgumentException("--m must be >= 1, got " + mm);
            }
            r = new SelectionRule.Rank(mm);
        }
        if (examples != null && examples < 1) {
            throw new IllegalArgumentException("--examples must be >= 1, got " + examples);
        }
        if (targets.isEmpty() || targets.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("--targets must name modules, e.g. q_proj,v_proj; got " + Arrays.toString(
                targets.toArray()));
        }
        return new SubspaceSettings(kind, r, norm, examples == null ? 1 : examples, false, seed);
    }
}
