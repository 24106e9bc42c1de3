package dev.alignguard.proofs.inputs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.Presets;
import dev.alignguard.experiments.spec.SpecFormatException;
import dev.alignguard.model.safetensors.InputFormatException;

/** Spec files ({@link ExperimentSpec#read}: the study, its methods and their parameters) under random and mutated input. */
class SpecFuzzProperties implements ReaderFuzzLaws {

    @TempDir
    static Path dir;

    @Override
    public List<byte[]> validFiles() throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (String name : Presets.NAMES) {
            out.add(Presets.text(name).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override
    public Path place(byte[] content) throws Exception {
        return Files.write(dir.resolve("study.json"), content);
    }

    @Override
    public void read(Path input) throws Exception {
        ExperimentSpec.read(input);
    }

    @Override
    public Class<? extends InputFormatException> refusal() {
        return SpecFormatException.class;
    }
}
