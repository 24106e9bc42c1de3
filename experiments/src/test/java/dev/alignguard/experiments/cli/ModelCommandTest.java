package dev.alignguard.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.hf.LoadedModel;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ModelCommandTest {

    static final LlamaConfig CONFIG = new LlamaConfig(23, 8, 12, 2, 2, 1, 6, 1e-5, 10000.0);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Exit code, standard output and standard error of one in-process run. */
    record Run(int code, String out, String err) {
    }

    static Run alignguard(Object... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new AlignGuardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] strings = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            strings[i] = args[i].toString();
        }
        int code = cli.execute(strings);
        return new Run(code, out.toString(), err.toString());
    }

    private Path configFile() throws IOException {
        Path file = dir.resolve("config-in.json");
        ModelFiles.writeConfig(CONFIG, file);
        return file;
    }

    private Path initModel() throws IOException {
        Path model = dir.resolve("model");
        Run r = alignguard("model", "init", "--config", configFile(), "--seed", 42, "--out", model);
        assertEquals(0, r.code(), r.err());
        return model;
    }

    private Path tokens(String json) throws IOException {
        Path file = dir.resolve("tokens.json");
        Files.writeString(file, json);
        return file;
    }

    private static void assertFails(Run r, String... parts) {
        assertNotEquals(0, r.code(), "exit code");
        for (String p : parts) {
            assertTrue(r.err().contains(p), "error mentions '" + p + "': " + r.err());
        }
    }

    // ---------------------------------------------------------------- init

    @Test
    void initWritesTheSeededModel() throws IOException {
        Path model = initModel();
        assertTrue(Files.exists(model.resolve("config.json")));
        assertTrue(Files.exists(model.resolve("model.safetensors")));
        assertFalse(Files.exists(model.resolve("tokenizer.json")), "no tokenizer unless one is given");
        LoadedModel loaded = ModelFiles.load(model);
        LlamaModel expected = LlamaModel.initialize(CONFIG, 42);
        assertEquals(CONFIG, loaded.model().config());
        expected.parameters().forEach((name, t) -> assertArrayEquals(t.data(), loaded.model().parameters().get(name).data(), name));
        byte[] first = Files.readAllBytes(model.resolve("model.safetensors"));
        assertEquals(0, alignguard("model", "init", "--config", configFile(), "--seed", 42, "--out", model, "--force").code());
        assertArrayEquals(first, Files.readAllBytes(model.resolve("model.safetensors")), "same seed, same bytes");
    }

    @Test
    void initCopiesAGivenTokenizer() throws IOException {
        Path tokFile = dir.resolve("tok.json");
        WordTokenizer tok = WordTokenizer.of(List.of("<refuse>"), List.of("a", "b", "c"));
        tok.save(tokFile);
        Path model = dir.resolve("m");
        Run r = alignguard("model", "init", "--config", configFile(), "--seed", 1, "--out", model, "--tokenizer", tokFile);
        assertEquals(0, r.code(), r.err());
        assertEquals(tok, ModelFiles.load(model).tokenizer());
    }

    @Test
    void initRefusesBadInput() throws IOException {
        Path bad = dir.resolve("bad-config.json");
        Files.writeString(bad, "{\"vocab_size\": 23, \"hidden_size\": \"eight\"}");
        assertFails(alignguard("model", "init", "--config", bad, "--seed", 1, "--out", dir.resolve("m")),
            "bad-config.json", "hidden_size");
        Files.writeString(bad, "{\"vocab_size\": 23,,}");
        assertFails(alignguard("model", "init", "--config", bad, "--seed", 1, "--out", dir.resolve("m")),
            "bad-config.json", "not valid JSON");
        assertFails(alignguard("model", "init", "--config", dir.resolve("absent.json"), "--seed", 1, "--out", dir.resolve("m")),
            "absent.json", "missing");
        assertFalse(Files.exists(dir.resolve("m")));

        Path model = initModel();
        assertFails(alignguard("model", "init", "--config", configFile(), "--seed", 2, "--out", model),
            "model", "already holds a model", "--force");

        Path bigTok = dir.resolve("big-tok.json");
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            words.add("w" + i);
        }
        WordTokenizer.of(List.of(), words).save(bigTok);
        assertFails(alignguard("model", "init", "--config", configFile(), "--seed", 1, "--out", dir.resolve("m2"), "--tokenizer", bigTok),
            "big-tok.json", "vocab_size 23");
        assertFails(alignguard("model", "init", "--config", configFile(), "--out", dir.resolve("m3")), "--seed");
    }

    // ---------------------------------------------------------------- forward

    /** The model's own cross-entropy, as the trainer computes it, for comparison. */
    private static float[] referenceLogitsAndLoss(LlamaModel m, int[][] seqs, Graph g, List<Tensor> lossOut) {
        int batch = seqs.length, seq = seqs[0].length;
        int[] flat = new int[batch * seq], targets = new int[batch * seq];
        boolean[] mask = new boolean[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                flat[b * seq + t] = seqs[b][t];
                if (t + 1 < seq) {
                    targets[b * seq + t] = seqs[b][t + 1];
                    mask[b * seq + t] = true;
                }
            }
        }
        Tensor logits = m.forward(g, flat, batch, seq);
        lossOut.add(NeuralOps.crossEntropy(g, logits, targets, mask));
        return logits.data();
    }

    @Test
    void forwardWritesLogitsLossAndGradients() throws IOException {
        Path model = initModel();
        int[][] seqs = {{1, 2, 3, 4}, {22, 0, 7, 7}, {5, 5, 5, 5}};
        Path out = dir.resolve("out/logits.json");
        Path grads = dir.resolve("grads.safetensors");
        Run r = alignguard("model", "forward", "--model", model, "--tokens", tokens(JSON.writeValueAsString(seqs)),
            "--out", out, "--grads", grads);
        assertEquals(0, r.code(), r.err());

        LlamaModel m = ModelFiles.loadModel(model);
        List<Tensor> loss = new ArrayList<>();
        Graph g = Graph.training(new VectorKernels(2));   // the command's default backend
        float[] logits = referenceLogitsAndLoss(m, seqs, g, loss);
        g.backward(loss.get(0));

        JsonNode json = JSON.readTree(out.toFile());
        assertEquals(List.of(3, 4, 23), JSON.convertValue(json.get("shape"), List.class));
        assertEquals(loss.get(0).item(), json.get("loss").floatValue(), "loss is the model's own cross-entropy, bit for bit");
        assertEquals(3, json.get("logits").size());
        float[] written = new float[logits.length];
        int i = 0;
        for (JsonNode b : json.get("logits")) {
            assertEquals(4, b.size());
            for (JsonNode t : b) {
                assertEquals(23, t.size());
                for (JsonNode v : t) {
                    written[i++] = v.floatValue();
                }
            }
        }
        assertArrayEquals(logits, written);

        SafetensorsFile gf = Safetensors.read(grads);
        assertEquals(m.parameters().keySet(), gf.tensors().keySet(), "a gradient for every parameter");
        assertArrayEquals(new long[] {8}, gf.tensor("model.norm.weight").shape(), "HF shapes");
        assertArrayEquals(new long[] {4, 8}, gf.tensor("model.layers.1.self_attn.v_proj.weight").shape());
        for (Map.Entry<String, Tensor> e : m.parameters().entrySet()) {
            assertArrayEquals(e.getValue().grad(), gf.tensor(e.getKey()).toFloatArray(), e.getKey());
        }
        float[] head = gf.tensor("lm_head.weight").toFloatArray();
        double norm = 0;
        for (float v : head) {
            norm += v * v;
        }
        assertTrue(norm > 0, "the head's gradient is not zero");
    }

    @Test
    void forwardAppliesASavedAdapterAndWritesItsGradients() throws IOException {
        Path model = initModel();
        LlamaModel trained = ModelFiles.loadModel(model);
        dev.alignguard.model.lora.LoraConfig lora = new dev.alignguard.model.lora.LoraConfig(2, 4, 0, List.of("q_proj", "v_proj"),
            null, false);
        java.util.Random rnd = new java.util.Random(3);
        for (var a : trained.attachLora(lora, 5).values()) { // a trained adapter: B no longer zero
            float[] b = a.b().data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) rnd.nextGaussian() * 0.3f;
            }
        }
        Path adapter = dir.resolve("adapter");
        dev.alignguard.model.hf.AdapterFiles.save(trained, lora, adapter);
        int[][] seqs = {{1, 2, 3, 4}, {22, 0, 7, 7}};
        Path tokens = tokens(JSON.writeValueAsString(seqs));
        Path out = dir.resolve("with.json"), plain = dir.resolve("without.json"), grads = dir.resolve("grads.safetensors");
        Run r = alignguard("model", "forward", "--model", model, "--tokens", tokens, "--out", out, "--grads", grads, "--adapter",
            adapter);
        assertEquals(0, r.code(), r.err());
        assertEquals(0, alignguard("model", "forward", "--model", model, "--tokens", tokens, "--out", plain).code());

        LlamaModel m = ModelFiles.loadModel(model);
        dev.alignguard.model.hf.AdapterFiles.load(adapter).attachTo(m, 0);
        m.setBaseTrainable(true);
        List<Tensor> loss = new ArrayList<>();
        Graph g = Graph.training(new VectorKernels(2));
        float[] logits = referenceLogitsAndLoss(m, seqs, g, loss);
        g.backward(loss.get(0));
        JsonNode json = JSON.readTree(out.toFile());
        assertEquals(loss.get(0).item(), json.get("loss").floatValue(), "the loss of the model with the adapter, bit for bit");
        assertNotEquals(JSON.readTree(plain.toFile()).get("loss").floatValue(), json.get("loss").floatValue(),
            "the adapter changes the output");
        assertEquals(logits[7], json.get("logits").get(0).get(0).get(7).floatValue());
        SafetensorsFile gf = Safetensors.read(grads);
        for (var e : m.adapters().entrySet()) {
            assertArrayEquals(e.getValue().a().grad(), gf.tensor(dev.alignguard.model.hf.AdapterFiles.keyA(e.getKey())).toFloatArray());
            assertArrayEquals(e.getValue().b().grad(), gf.tensor(dev.alignguard.model.hf.AdapterFiles.keyB(e.getKey())).toFloatArray());
        }
        for (var e : m.parameters().entrySet()) {
            assertArrayEquals(e.getValue().grad(), gf.tensor(e.getKey()).toFloatArray(), e.getKey());
        }
        assertFails(alignguard("model", "forward", "--model", model, "--tokens", tokens, "--out", out, "--adapter", dir.resolve("nope")),
            "nope", "no such directory");
    }

    @Test
    void forwardAcceptsInputIdsAndASingleTokenWithoutLoss() throws IOException {
        Path model = initModel();
        Path out = dir.resolve("o.json");
        Run r = alignguard("model", "forward", "--model", model, "--out", out,
            "--tokens", tokens("{\"input_ids\": [[3, 4, 5]], \"attention_mask\": [[1, 1, 1]]}"));
        assertEquals(0, r.code(), r.err());
        LlamaModel m = ModelFiles.loadModel(model);
        List<Tensor> loss = new ArrayList<>();
        referenceLogitsAndLoss(m, new int[][] {{3, 4, 5}}, Graph.inference(new VectorKernels(2)), loss);
        assertEquals(loss.get(0).item(), JSON.readTree(out.toFile()).get("loss").floatValue());

        r = alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[9], [10]]"));
        assertEquals(0, r.code(), r.err());
        JsonNode json = JSON.readTree(out.toFile());
        assertTrue(json.get("loss").isNull(), "one token has no next-token loss");
        assertEquals(List.of(2, 1, 23), JSON.convertValue(json.get("shape"), List.class));
    }

    @Test
    void forwardRefusesBadInput() throws IOException {
        Path model = initModel();
        Path out = dir.resolve("o.json");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[1, 2, 3], [4, 5]]")),
            "tokens.json", "same length");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[1, 2, 23]]")),
            "tokens.json", "token id 23", "vocabulary [0, 23)");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[-1, 2]]")),
            "tokens.json", "token id -1");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[1, 2, 3, 4, 5, 6, 7]]")),
            "tokens.json", "max_position_embeddings 6");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[1, 2.5]]")),
            "tokens.json", "not a token id");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[1, 2]")),
            "tokens.json", "not valid JSON");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[]")),
            "tokens.json", "empty");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("{\"ids\": [[1]]}")),
            "tokens.json", "input_ids");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out,
            "--tokens", tokens("{\"input_ids\": [[1, 2]], \"attention_mask\": [[1, 0]]}")), "tokens.json", "attention_mask");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[1]]"),
            "--grads", dir.resolve("g.safetensors")), "tokens.json", "--grads");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", dir.resolve("none.json")),
            "none.json");
        assertFails(alignguard("model", "forward", "--model", dir.resolve("nomodel"), "--out", out, "--tokens", tokens("[[1]]")),
            "nomodel", "no such directory");
        Files.writeString(model.resolve("config.json"), "{\"vocab_size\": 23}");
        assertFails(alignguard("model", "forward", "--model", model, "--out", out, "--tokens", tokens("[[1]]")),
            "config.json", "hidden_size");
        assertFalse(Files.exists(out), "nothing written on failure");
        assertFalse(Files.exists(dir.resolve("g.safetensors")));
    }
}
