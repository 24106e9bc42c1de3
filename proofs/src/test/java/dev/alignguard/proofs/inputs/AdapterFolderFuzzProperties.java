package dev.alignguard.proofs.inputs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.model.hf.AdapterFiles;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.model.safetensors.InputFormatException;

/**
 * An adapter folder's {@code adapter_config.json} (peft's fields) under random and mutated input,
 * read the way a folder is loaded ({@link AdapterFiles#load}: the config, then the weights it must
 * agree with, target expressions included).
 */
class AdapterFolderFuzzProperties implements ReaderFuzzLaws {

    @TempDir
    static Path dir;

    /** The config as written with the weights (the laws overwrite the file, so it is kept here). */
    static byte[] written;

    @BeforeAll
    static void folder() throws Exception {
        LlamaConfig config = new LlamaConfig(17, 8, 12, 2, 2, 1, 16, 1e-5, 10000.0);
        LoraConfig lora = LoraConfig.of(2, 4, "q_proj", "v_proj");
        LlamaModel model = LlamaModel.initialize(config, 1);
        model.attachLora(lora, 2);
        AdapterFiles.save(model, lora, "base", dir);
        written = Files.readAllBytes(dir.resolve(AdapterFiles.CONFIG_FILE));
    }

    @Override
    public List<byte[]> validFiles() throws Exception {
        String regex = """
            {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 2, "lora_alpha": 4, "lora_dropout": 0.05,
             "target_modules": ".*\\\\.(q_proj|v_proj)", "bias": "none", "use_rslora": false, "use_dora": false,
             "rank_pattern": {}, "alpha_pattern": {}, "modules_to_save": null, "inference_mode": true}
            """;
        return List.of(written, regex.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Path place(byte[] content) throws Exception {
        return Files.write(dir.resolve(AdapterFiles.CONFIG_FILE), content);
    }

    @Override
    public void read(Path input) throws Exception {
        AdapterFiles.load(input.getParent());
    }

    @Override
    public Class<? extends InputFormatException> refusal() {
        return InputFormatException.class; // adapter_config.json's, or the weights' it disagrees with
    }
}
