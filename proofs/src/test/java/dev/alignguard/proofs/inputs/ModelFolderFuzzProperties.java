package dev.alignguard.proofs.inputs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.safetensors.InputFormatException;
import dev.alignguard.model.tokenizer.WordTokenizer;

/**
 * A model folder's {@code config.json} under random and mutated input, read the way a folder is
 * loaded ({@link ModelFiles#load}: config, then the weights and tokenizer it must agree with).
 */
class ModelFolderFuzzProperties implements ReaderFuzzLaws {

    static final LlamaConfig CONFIG = new LlamaConfig(17, 8, 12, 2, 2, 1, 16, 1e-5, 10000.0);

    @TempDir
    static Path dir;

    @BeforeAll
    static void folder() throws Exception {
        WordTokenizer tok = WordTokenizer.of(List.of("<refuse>"), List.of("a", "b", "c"));
        ModelFiles.save(LlamaModel.initialize(CONFIG, 3), tok, dir);
    }

    @Override
    public List<byte[]> validFiles() throws Exception {
        Path written = dir.resolve("written.json");
        ModelFiles.writeConfig(CONFIG, written);
        // as transformers writes it: more fields, some this reader ignores
        String hf = """
            {
              "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
              "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 8,
              "initializer_range": 0.02, "intermediate_size": 12, "max_position_embeddings": 16,
              "mlp_bias": false, "model_type": "llama", "num_attention_heads": 2, "num_hidden_layers": 2,
              "num_key_value_heads": 1, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
              "rope_theta": 10000.0, "tie_word_embeddings": false, "torch_dtype": "float32",
              "transformers_version": "4.46.0", "use_cache": true, "vocab_size": 17
            }
            """;
        return List.of(Files.readAllBytes(written), hf.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Path place(byte[] content) throws Exception {
        return Files.write(dir.resolve(ModelFiles.CONFIG_FILE), content);
    }

    @Override
    public void read(Path input) throws Exception {
        ModelFiles.load(input.getParent());
    }

    @Override
    public Class<? extends InputFormatException> refusal() {
        return InputFormatException.class; // config.json's, or the weights' or tokenizer's it disagrees with
    }
}
