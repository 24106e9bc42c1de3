package dev.alignguard.proofs.inputs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.spec.WorldSpec;
import dev.alignguard.experiments.world.Example;
import dev.alignguard.experiments.world.JsonlDataset;
import dev.alignguard.experiments.world.JsonlFormatException;
import dev.alignguard.experiments.world.World;
import dev.alignguard.model.safetensors.InputFormatException;

/** JSON Lines datasets ({@link JsonlDataset#read}) under random and mutated input. */
class JsonlFuzzProperties implements ReaderFuzzLaws {

    @TempDir
    static Path dir;

    @Override
    public List<byte[]> validFiles() throws Exception {
        World world = World.generate(WorldSpec.tiny(), 5);
        List<Example> unsafe = world.evaluation().unsafe().examples();
        List<Example> safe = world.evaluation().safe().examples();
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            List<Example> some = new ArrayList<>(unsafe.subList(i, Math.min(unsafe.size(), i + 3)));
            some.addAll(safe.subList(i, Math.min(safe.size(), i + 3)));
            Path f = dir.resolve("valid.jsonl");
            JsonlDataset.write(f, some);
            out.add(Files.readAllBytes(f));
        }
        out.add(("\uFEFF{\"prompt\": \"<bos> describe zokabu ? <sep>\", \"response\": \"lime cube <eos>\", \"label\": \"safe\","
            + " \"category\": \"food\", \"split\": null, \"id\": 7}\r\n\r\n{\"prompt\": \"p\", \"response\": \"r\", \"label\":"
            + " \"unsafe\", \"object_seen\": true, \"verb_seen\": false}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return out;
    }

    @Override
    public Path place(byte[] content) throws Exception {
        return Files.write(dir.resolve("data.jsonl"), content);
    }

    @Override
    public void read(Path input) throws Exception {
        JsonlDataset.read(input);
    }

    @Override
    public Class<? extends InputFormatException> refusal() {
        return JsonlFormatException.class;
    }
}
