package dev.alignguard.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.safetensors.DType;
import dev.alignguard.model.safetensors.InputLimits;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFormatException;
import dev.alignguard.model.safetensors.StoredTensor;
import dev.alignguard.model.tokenizer.TokenizerFormatException;
import dev.alignguard.model.tokenizer.WordTokenizer;

/**
 * The {@link InputLimits} as the model readers enforce them: each refusal names the file and the
 * limit, and comes before anything is allocated from the claimed size.
 */
class InputLimitsTest {

    @TempDir
    Path dir;

    /** A safetensors file of {@code count} empty F32 tensors (shape [0], offsets [0, 0]): valid, and tiny. */
    Path emptyTensors(int count) throws IOException {
        return emptyTensors(dir, count);
    }

    static Path emptyTensors(Path dir, int count) throws IOException {
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            h.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("n" + count + ".safetensors");
        Files.write(file, ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN)
            .putLong(header.length).put(header).array());
        return file;
    }

    @Test
    void safetensorsTensorCountIsBounded() throws IOException { // the boundary itself: SafetensorsLimitTest
        Path over = emptyTensors(InputLimits.SAFETENSORS_MAX_TENSORS + 1);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(over));
        assertTrue(e.getMessage().contains(over.toString()) && e.getMessage().contains("SAFETENSORS_MAX_TENSORS"), e.getMessage());
    }

    @Test
    void safetensorsHeaderNestingIsBounded() throws IOException {
        String deep = "{\"t\":{\"dtype\":\"F32\",\"shape\":" + "[".repeat(100) + "]".repeat(100) + ",\"data_offsets\":[0,0]}}";
        byte[] header = deep.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("deep.safetensors");
        Files.write(file, ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN)
            .putLong(header.length).put(header).array());
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().contains("input limit") && e.getMessage().contains("nesting depth"), e.getMessage());
    }

    @Test
    void aConfigDeclaringMoreLayersThanAFileCanHoldIsRefusedBeforeTheShapesAreListed() throws IOException {
        // 2^31 - 1 layers: listing the expected parameters alone would need about 200 GB
        String config = "{\"vocab_size\": 17, \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2147483647,"
            + " \"num_attention_heads\": 2}";
        Files.writeString(dir.resolve(ModelFiles.CONFIG_FILE), config);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.load(dir));
        assertTrue(e.getMessage().contains("num_hidden_layers") && e.getMessage().contains("MODEL_MAX_LAYERS"), e.getMessage());
        assertEquals(dir.resolve(ModelFiles.CONFIG_FILE), e.file());
        Files.writeString(dir.resolve(ModelFiles.CONFIG_FILE), config.replace("2147483647", "" + InputLimits.MODEL_MAX_LAYERS));
        ModelFormatException missing = assertThrows(ModelFormatException.class, () -> ModelFiles.load(dir));
        assertTrue(missing.getMessage().contains("model.safetensors: missing"), "the limit itself is accepted: " + missing.getMessage());
    }

    @Test
    void jsonDocumentsOverTheSizeLimitAreRefusedWithoutBeingRead() throws IOException {
        Path config = dir.resolve(ModelFiles.CONFIG_FILE);
        Path tokenizer = dir.resolve(WordTokenizer.FILE_NAME);
        for (Path p : List.of(config, tokenizer)) {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(InputLimits.JSON_MAX_DOCUMENT_BYTES + 1); // sparse
            }
        }
        ModelFormatException c = assertThrows(ModelFormatException.class, () -> ModelFiles.readConfig(config));
        assertTrue(c.getMessage().startsWith(config + ": ") && c.getMessage().contains("JSON_MAX_DOCUMENT_BYTES"), c.getMessage());
        TokenizerFormatException t = assertThrows(TokenizerFormatException.class, () -> WordTokenizer.load(tokenizer));
        assertTrue(t.getMessage().contains(tokenizer.toString()) && t.getMessage().contains("JSON_MAX_DOCUMENT_BYTES"), t.getMessage());
    }

    @Test
    void jsonStringsAndNumbersAreBounded() throws IOException {
        Path config = dir.resolve(ModelFiles.CONFIG_FILE);
        Files.writeString(config, "{\"model_type\": \"" + "x".repeat(InputLimits.JSON_MAX_STRING_CHARS + 1) + "\"}");
        ModelFormatException s = assertThrows(ModelFormatException.class, () -> ModelFiles.readConfig(config));
        assertTrue(s.getMessage().contains("input limit") && s.getMessage().contains("String value length"), s.getMessage());
        Files.writeString(config, "{\"vocab_size\": " + "9".repeat(InputLimits.JSON_MAX_NUMBER_CHARS + 1) + "}");
        ModelFormatException n = assertThrows(ModelFormatException.class, () -> ModelFiles.readConfig(config));
        assertTrue(n.getMessage().contains("input limit") && n.getMessage().contains("Number value length"), n.getMessage());
    }

    @Test
    void weightsAreDecodedOnlyWhenOneArrayAndTheFreeHeapHoldThem() throws IOException {
        Path file = dir.resolve("w.safetensors");
        // views of address 0 that are never read: only their sizes matter here
        StoredTensor small = new StoredTensor("small", DType.F32, new long[] {2, 2}, MemorySegment.ofArray(new byte[16]));
        ModelFiles.requireHeapForFloats(file, List.of(small));
        long tooLongForAnArray = 1L << 31;
        StoredTensor huge = new StoredTensor("huge", DType.BF16, new long[] {tooLongForAnArray},
            MemorySegment.NULL.reinterpret(2 * tooLongForAnArray));
        ModelFormatException a = assertThrows(ModelFormatException.class, () -> ModelFiles.requireHeapForFloats(file, List.of(huge)));
        assertTrue(a.getMessage().contains("huge") && a.getMessage().contains("one Java array"), a.getMessage());
        long each = (1L << 30); // 4 GiB of floats each
        List<StoredTensor> many = new java.util.ArrayList<>();
        for (int i = 0; i * 4 * each <= Runtime.getRuntime().maxMemory(); i++) {
            many.add(new StoredTensor("t" + i, DType.BF16, new long[] {each}, MemorySegment.NULL.reinterpret(2 * each)));
        }
        ModelFormatException h = assertThrows(ModelFormatException.class, () -> ModelFiles.requireHeapForFloats(file, many));
        assertTrue(h.getMessage().contains("of heap") && h.getMessage().contains("-Xmx"), h.getMessage());
    }

    @Test
    void aCatastrophicallyBacktrackingTargetExpressionIsRefusedNotRun() throws IOException {
        var lora = dev.alignguard.model.lora.LoraConfig.of(2, 4, "q_proj", "v_proj");
        var model = dev.alignguard.model.llama.LlamaModel.initialize(ModelFilesTest.CONFIG, 1);
        model.attachLora(lora, 2);
        AdapterFiles.save(model, lora, dir);
        Path config = dir.resolve(AdapterFiles.CONFIG_FILE);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(config.toFile());
        tree.put("target_modules", ".*\\.(q_proj|v_proj)"); // matches every module path the file has, in a few steps each
        Files.writeString(config, tree.toString());
        assertEquals(4, AdapterFiles.load(dir).adapters().size());
        tree.put("target_modules", "(?:.*){20}x"); // about n^20 steps on a path of n characters that does not end in x
        Files.writeString(config, tree.toString());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> AdapterFiles.load(dir));
        assertEquals(config, e.file());
        assertTrue(e.getMessage().contains("LORA_REGEX_MAX_STEPS"), e.getMessage());
        tree.put("target_modules", "(".repeat(600) + ")".repeat(600));
        Files.writeString(config, tree.toString());
        ModelFormatException l = assertThrows(ModelFormatException.class, () -> AdapterFiles.load(dir));
        assertTrue(l.getMessage().contains("LORA_MAX_REGEX_CHARS"), l.getMessage());
    }

    @Test
    void heapProblemIsNullWhenTheHeapSuffices() {
        assertNull(InputLimits.heapProblem(1024, "a kilobyte"));
        String p = InputLimits.heapProblem(Long.MAX_VALUE / 2, "everything");
        assertTrue(p != null && p.startsWith("everything needs about"), p);
    }

    @Test
    void theConfigReaderStillReadsAValidConfig() throws IOException {
        Path config = dir.resolve(ModelFiles.CONFIG_FILE);
        ModelFiles.writeConfig(ModelFilesTest.CONFIG, config);
        LlamaConfig read = ModelFiles.readConfig(config);
        assertEquals(ModelFilesTest.CONFIG, read);
    }
}
