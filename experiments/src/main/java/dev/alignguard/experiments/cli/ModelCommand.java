package dev.alignguard.experiments.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.hf.AdapterFiles;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.hf.ModelFormatException;
import dev.alignguard.model.safetensors.AtomicFiles;
import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.JsonMappers;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.llama.SizeEstimate;
import dev.alignguard.model.tokenizer.WordTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alignguard model}: model folders in the Hugging Face layout (see {@link ModelFiles}).
 * <ul>
 *   <li>{@code model init --config CONFIG.json --seed S --out DIR [--tokenizer FILE] [--force]}:
 *       a seeded random model ({@link LlamaModel#initialize}). No tokenizer is invented: a word
 *       tokenizer with exactly vocab_size entries is not a natural object, so {@code tokenizer.json}
 *       is written only when {@code --tokenizer} names one (it may have fewer tokens than vocab_size).</li>
 *   <li>{@code model forward --model DIR --tokens TOKENS.json --out OUT.json [--grads GRADS.safetensors] [--adapter DIR]}:
 *       logits and mean next-token cross-entropy of a batch of equal-length sequences, optionally the
 *       gradient of that loss with respect to every parameter; with {@code --adapter}, a peft adapter folder
 *       applied (unmerged), its A and B gradients written under peft's keys.</li>
 * </ul>
 * Bad input gives exit code 1 and one line {@code error: <file>: <problem>} on standard error;
 * outputs are written atomically.
 */
@Command(name = "model", mixinStandardHelpOptions = true,
    description = "Model folders (config.json, model.safetensors, tokenizer.json): create, run.",
    subcommands = {ModelCommand.Init.class, ModelCommand.Forward.class})
public final class ModelCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reports an input or I/O problem as one line and returns the failure exit code. */
    static int fail(CommandSpec spec, Exception e) {
        spec.commandLine().getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        spec.commandLine().getErr().flush();
        return 1;
    }

    // ---------------------------------------------------------------- init

    @Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Writes a seeded random model folder: config.json, model.safetensors (F32, HF names and shapes)"
            + " and, with --tokenizer, tokenizer.json.",
            "Weights as LlamaModel.initialize: linear and embedding weights ~ N(0, 0.02^2) from generators seeded by"
                + " (seed, parameter name), norms 1. The same config and seed give the same bytes.",
            "No tokenizer is made up: without --tokenizer the folder has none."})
    static final class Init implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--config", required = true, paramLabel = "CONFIG.json",
            description = "A Llama config with HF field names (vocab_size, hidden_size, intermediate_size, num_hidden_layers,"
                + " num_attention_heads; optional num_key_value_heads, max_position_embeddings, rms_norm_eps, rope_theta).")
        Path config;

        @Option(names = "--seed", required = true, paramLabel = "S", description = "Seed of the weights.")
        long seed;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "The model folder to write.")
        Path out;

        @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "A word tokenizer (tokenizer.json format) to copy into the folder; at most vocab_size tokens.")
        Path tokenizer;

        @Option(names = "--force", description = "Replace a model already in DIR.")
        boolean force;

        @Override
        public Integer call() {
            try {
                LlamaConfig c = ModelFiles.readConfig(config);
                checkSize(c, config);
                WordTokenizer tok = null;
                if (tokenizer != null) {
                    if (!Files.exists(tokenizer)) {
                        throw new NoSuchFileException(tokenizer.toString(), null, "no such tokenizer file");
                    }
                    tok = WordTokenizer.load(tokenizer);
                    if (tok.vocabSize() > c.vocabSize()) {
                        throw new IllegalArgumentException(tokenizer + ": the tokenizer has " + tok.vocabSize()
                            + " tokens but " + config + " says vocab_size " + c.vocabSize());
                    }
                }
                if (!force && (Files.exists(out.resolve(ModelFiles.CONFIG_FILE)) || Files.exists(out.resolve(ModelFiles.WEIGHTS_FILE)))) {
                    throw new IllegalArgumentException(out + ": already holds a model (use --force to replace it)");
                }
                if (Files.exists(out) && !Files.isDirectory(out)) {
                    throw new IllegalArgumentException(out + ": exists and is not a directory");
                }
                LlamaModel model = LlamaModel.initialize(c, seed);
                ModelFiles.save(model, tok, out);
                long count = model.parameters().values().stream().mapToLong(Tensor::size).sum();
                spec.commandLine().getOut().printf("wrote %s: %d parameters (%d tensors), seed %d%s%n", out, count,
                    model.parameters().size(), seed, tok == null ? ", no tokenizer" : ", tokenizer of " + tok.vocabSize() + " tokens");
                spec.commandLine().getOut().flush();
                return 0;
            } catch (NoSuchFileException e) {
                return fail(spec, new IOException(e.getFile() + ": " + (e.getReason() == null ? "no such file" : e.getReason())));
            } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
                return fail(spec, e);
            }
        }
    }

    // ---------------------------------------------------------------- forward

    @Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Runs a batch of equal-length token sequences through a model folder.",
            "TOKENS.json: [[1,2,3],[4,5,6]] or {\"input_ids\": [[...]]} (a flat [1,2,3] is a batch of one).",
            "OUT.json: {\"shape\": [batch, seq, vocab], \"loss\": mean next-token cross-entropy (positions 0..T-2 predicting"
                + " 1..T-1; null when T = 1), \"logits\": [[[...]]]}.",
            "--grads: the gradient of that loss with respect to every parameter, under its HF name, F32, HF shapes."})
    static final class Forward implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model folder (config.json, model.safetensors).")
        Path model;

        @Option(names = "--tokens", required = true, paramLabel = "TOKENS.json", description = "The token ids.")
        Path tokens;

        @Option(names = "--out", required = true, paramLabel = "OUT.json", description = "Where to write logits, loss and shape.")
        Path out;

        @Mixin
        BackendOptions kernels = new BackendOptions();

        @Option(names = "--grads", paramLabel = "GRADS.safetensors", description = "Also write the loss's gradient here.")
        Path grads;

        @Option(names = "--adapter", paramLabel = "DIR",
            description = "A peft LoRA adapter folder (adapter_config.json, adapter_model.safetensors) applied to the model,"
                + " unmerged: y = x W^T + s x A^T B^T. With --grads the adapter's gradients are written too, under peft's keys.")
        Path adapter;

        @Override
        public Integer call() {
            try {
                checkOutput(out, "--out");
                if (grads != null) {
                    checkOutput(grads, "--grads");
                    if (grads.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
                        throw new IllegalArgumentException(grads + ": --grads and --out name the same file");
                    }
                }
                LlamaModel m = ModelFiles.loadModel(model);
                if (adapter != null) {
                    AdapterFiles.load(adapter).attachTo(m, 0);
                    m.setBaseTrainable(true); // --grads: the base's gradients as without an adapter, and the adapter's
                }
                int[][] seqs = readTokens(tokens);
                checkTokens(seqs, m.config(), tokens);
                int batch = seqs.length, seq = seqs[0].length, vocab = m.config().vocabSize();
                if (grads != null && seq < 2) {
                    throw new IllegalArgumentException(tokens + ": sequences of " + seq
                        + " token have no next-token loss, so --grads has nothing to differentiate (need at least 2 tokens)");
                }
                Result r = run(m, seqs, grads != null, kernels.backend().create());
                Map<Path, AtomicFiles.Body> outputs = new java.util.LinkedHashMap<>();
                if (grads != null) {
                    List<dev.alignguard.model.safetensors.StoredTensor> gs = new ArrayList<>();
                    for (Map.Entry<String, Tensor> e : m.parameters().entrySet()) {
                        Tensor p = e.getValue();
                        gs.add(ModelFiles.hfTensor(e.getKey(), p.rows(), p.cols(), p.grad()));
                    }
                    for (Map.Entry<String, dev.alignguard.model.lora.LoraAdapter> e : m.adapters().entrySet()) {
                        Tensor a = e.getValue().a(), b = e.getValue().b();
                        gs.add(dev.alignguard.model.safetensors.StoredTensor.f32(AdapterFiles.keyA(e.getKey()),
                            new long[] {a.rows(), a.cols()}, a.grad()));
                        gs.add(dev.alignguard.model.safetensors.StoredTensor.f32(AdapterFiles.keyB(e.getKey()),
                            new long[] {b.rows(), b.cols()}, b.grad()));
                    }
                    outputs.put(grads, Safetensors.body(dev.alignguard.model.safetensors.SafetensorsFile.of(gs, Map.of("format", "pt"))));
                }
                outputs.put(out, jsonBody(r.logits().data(), batch, seq, vocab, r.loss()));
                AtomicFiles.writeAll(outputs); // nothing is replaced unless every output was written
                var o = spec.commandLine().getOut();
                o.printf("logits [%d, %d, %d]%s -> %s%n", batch, seq, vocab,
                    r.loss() == null ? "" : ", loss " + r.loss(), out);
                if (grads != null) {
                    o.printf("gradients of %d parameters -> %s%n", m.parameters().size(), grads);
                }
                o.flush();
                return 0;
            } catch (NoSuchFileException e) {
                return fail(spec, new IOException(e.getFile() + ": no such file"));
            } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
                return fail(spec, e);
            }
        }
    }

    /** Logits {@code [B*T x V]} and the loss (null when T = 1). */
    record Result(Tensor logits, Float loss) {
    }

    /**
     * The forward pass (and, when {@code withGradients}, the backward pass into every parameter's
     * gradient) of {@code model} on equal-length sequences; the loss is mean next-token
     * cross-entropy over positions 0..T-2 of every sequence.
     */
    static Result run(LlamaModel model, int[][] seqs, boolean withGradients, Kernels kernels) {
        int batch = seqs.length, seq = seqs[0].length;
        int[] flat = new int[batch * seq];
        int[] targets = new int[batch * seq];
        boolean[] mask = new boolean[batch * seq];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(seqs[b], 0, flat, b * seq, seq);
            for (int t = 0; t + 1 < seq; t++) {
                targets[b * seq + t] = seqs[b][t + 1];
                mask[b * seq + t] = true;
            }
        }
        Graph g = withGradients ? Graph.training(kernels) : Graph.inference(kernels);
        if (withGradients) {
            model.parameters().values().forEach(Tensor::zeroGrad);
            model.adapters().values().forEach(a -> {
                a.a().zeroGrad();
                a.b().zeroGrad();
            });
        }
        Tensor logits = model.forward(g, flat, batch, seq);
        if (seq < 2) {
            return new Result(logits, null);
        }
        Tensor loss = NeuralOps.crossEntropy(g, logits, targets, mask);
        if (withGradients) {
            g.backward(loss);
        }
        return new Result(logits, loss.item());
    }

    // ---------------------------------------------------------------- token input

    private static final ObjectMapper JSON = JsonMappers.mapper();

    /**
     * Reads {@code [[ids...], ...]}, {@code {"input_ids": [[ids...], ...]}} (HF tokenizer output;
     * an {@code attention_mask}, if present, must be all ones) or a single flat {@code [ids...]}.
     */
    static int[][] readTokens(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(InputLimits.readJsonDocument(file, "a token file", ModelFormatException::new));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": " + JsonMappers.describe(e));
        } catch (ModelFormatException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        String where = "";
        JsonNode ids = root;
        if (root != null && root.isObject()) {
            ids = root.get("input_ids");
            where = "input_ids";
            if (ids == null) {
                throw new IllegalArgumentException(file + ": the object has no \"input_ids\"");
            }
            JsonNode mask = root.get("attention_mask");
            if (mask != null && !mask.isNull()) {
                for (JsonNode row : mask.isArray() && mask.size() > 0 && mask.get(0).isArray() ? mask : JSON.createArrayNode().add(mask)) {
                    for (JsonNode v : row) {
                        if (!(v.isIntegralNumber() && v.asLong() == 1)) {
                            throw new IllegalArgumentException(file + ": \"attention_mask\" has entries other than 1;"
                                + " forward takes unpadded equal-length sequences");
                        }
                    }
                }
            }
        }
        if (ids == null || !ids.isArray()) {
            throw new IllegalArgumentException(file + ": expected an array of token-id sequences ([[1,2,3],[4,5,6]])"
                + " or {\"input_ids\": [[...]]}");
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + (where.isEmpty() ? "the batch" : where) + " is empty (no sequences)");
        }
        boolean flat = !ids.get(0).isArray();
        List<JsonNode> rows = new ArrayList<>();
        if (flat) {
            rows.add(ids);
        } else {
            ids.forEach(rows::add);
        }
        int[][] seqs = new int[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            JsonNode row = rows.get(b);
            String at = where + (flat ? "" : "[" + b + "]");
            if (!row.isArray()) {
                throw new IllegalArgumentException(file + ": " + at + " is not an array of token ids");
            }
            seqs[b] = new int[row.size()];
            for (int t = 0; t < row.size(); t++) {
                JsonNode v = row.get(t);
                if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                    throw new IllegalArgumentException(file + ": " + at + "[" + t + "] is not a token id (an integer): " + v);
                }
                seqs[b][t] = v.intValue();
            }
        }
        return seqs;
    }

    /** Equal lengths, at least one token, ids in the vocabulary, length within max_position_embeddings. */
    static void checkTokens(int[][] seqs, LlamaConfig config, Path file) {
        int seq = seqs[0].length;
        for (int b = 0; b < seqs.length; b++) {
            if (seqs[b].length != seq) {
                throw new IllegalArgumentException(file + ": sequence " + b + " has " + seqs[b].length + " tokens but sequence 0 has "
                    + seq + "; all sequences must have the same length (ragged batches are not supported)");
            }
        }
        if (seq == 0) {
            throw new IllegalArgumentException(file + ": the sequences are empty");
        }
        if (seq > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(file + ": sequences of " + seq + " tokens exceed the model's max_position_embeddings "
                + config.maxPositionEmbeddings());
        }
        for (int b = 0; b < seqs.length; b++) {
            for (int t = 0; t < seq; t++) {
                int id = seqs[b][t];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException(file + ": token id " + id + " at sequence " + b + ", position " + t
                        + " is outside the model's vocabulary [0, " + config.vocabSize() + ")");
                }
            }
        }
    }

    // ---------------------------------------------------------------- output

    /** Writes {"shape": [B, T, V], "loss": x or null, "logits": [[[...]]]} atomically (floats in shortest round-trip form). */
    static void writeJson(Path file, float[] logits, int batch, int seq, int vocab, Float loss) throws IOException {
        createParent(file);
        AtomicFiles.write(file, jsonBody(logits, batch, seq, vocab, loss));
    }

    /** The content {@link #writeJson} writes. */
    static AtomicFiles.Body jsonBody(float[] logits, int batch, int seq, int vocab, Float loss) {
        return channel -> {
            OutputStream os = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            try (JsonGenerator gen = JSON.getFactory().createGenerator(os)) {
                gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                gen.writeStartObject();
                gen.writeArrayFieldStart("shape");
                gen.writeNumber(batch);
                gen.writeNumber(seq);
                gen.writeNumber(vocab);
                gen.writeEndArray();
                if (loss == null) {
                    gen.writeNullField("loss");
                } else {
                    gen.writeNumberField("loss", loss.floatValue());
                }
                gen.writeArrayFieldStart("logits");
                for (int b = 0; b < batch; b++) {
                    gen.writeStartArray();
                    for (int t = 0; t < seq; t++) {
                        gen.writeStartArray();
                        int row = (b * seq + t) * vocab;
                        for (int v = 0; v < vocab; v++) {
                            gen.writeNumber(logits[row + v]);
                        }
                        gen.writeEndArray();
                    }
                    gen.writeEndArray();
                }
                gen.writeEndArray();
                gen.writeEndObject();
                gen.writeRaw('\n');
            }
            os.flush();
        };
    }

    /**
     * Refuses an output path that cannot be written before any work is done: a directory, a path under
     * a file, a folder that cannot be created or written.
     */
    static void checkOutput(Path file, String option) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + ": " + option + " names a directory; it must name a file to write");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) {
            throw new IllegalArgumentException(file + ": " + option + " has no parent folder");
        }
        for (Path p = parent; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new IllegalArgumentException(file + ": " + option + " lies under " + p + ", which is a file, not a folder");
            }
            if (Files.isDirectory(p)) {
                break;
            }
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new IOException(file + ": cannot create the folder " + parent + " for " + option + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(parent)) {
            throw new IOException(file + ": the folder " + parent + " for " + option + " is not writable");
        }
    }

    /**
     * Refuses a config whose tensors overflow Java arrays (naming the fields) or whose model would not fit
     * this JVM's heap (naming the estimate and the -Xmx that would), before anything is allocated.
     */
    static void checkSize(LlamaConfig c, Path file) {
        SizeEstimate size;
        try {
            size = SizeEstimate.of(c);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        long need = 2 * size.weightBytes(); // the weights, and their bytes while model.safetensors is written
        long max = Runtime.getRuntime().maxMemory();
        if (need > max) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%s: a model of %,d parameters needs about %s"
                + " of heap to initialise and save (its weights, %s, and their bytes); this JVM may use at most %s. Run with"
                + " ALIGNGUARD_JAVA_OPTS=%s (the launcher passes it to java), or make the model smaller", file,
                size.parameters(), SizeEstimate.bytes(need), SizeEstimate.bytes(size.weightBytes()), SizeEstimate.bytes(max),
                SizeEstimate.xmxFor(need)));
        }
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
