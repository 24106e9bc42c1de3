package dev.alignguard.proofs.inputs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.model.safetensors.InputFormatException;
import dev.alignguard.model.tokenizer.TokenizerFormatException;
import dev.alignguard.model.tokenizer.WordTokenizer;

/** {@code tokenizer.json} ({@link WordTokenizer#load}) under random and mutated input. */
class TokenizerFuzzProperties implements ReaderFuzzLaws {

    @TempDir
    static Path dir;

    @Override
    public List<byte[]> validFiles() throws Exception {
        List<byte[]> out = new ArrayList<>();
        List<WordTokenizer> tokenizers = List.of(
            WordTokenizer.fromCorpus(List.of("describe zokabu ? <sep> lime cube", "what is tavoli ?"), "<refuse>"),
            WordTokenizer.of(List.of("<refuse>", "<tool>"), List.of("héllo", "日本", "a_b", "x1")),
            WordTokenizer.of(List.of(), List.of()));
        for (WordTokenizer t : tokenizers) {
            Path f = dir.resolve("valid.json");
            t.save(f);
            out.add(Files.readAllBytes(f));
        }
        return out;
    }

    @Override
    public Path place(byte[] content) throws Exception {
        return Files.write(dir.resolve(WordTokenizer.FILE_NAME), content);
    }

    @Override
    public void read(Path input) throws Exception {
        WordTokenizer.load(input);
    }

    @Override
    public Class<? extends InputFormatException> refusal() {
        return TokenizerFormatException.class;
    }
}
