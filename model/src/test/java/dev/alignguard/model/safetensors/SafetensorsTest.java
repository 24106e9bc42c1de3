package dev.alignguard.model.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {

    /**
     * Written by the reference implementation (Python safetensors 0.8.0, safetensors.numpy.save) from
     * {b: f32 [1, -2], a: f64 [[0.5]], h: f16 [1, 65504, 6e-8], s: f32 scalar 3, e: f32 zeros(0, 3)}
     * with metadata {format: np, k: v}.
     */
    private static final String REFERENCE_HEX = "40010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a226e70222c226b"
        + "223a2276227d2c2261223a7b226474797065223a22463634222c227368617065223a5b312c315d2c22646174615f6f666673657473223a"
        + "5b302c385d7d2c2262223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b38"
        + "2c31365d7d2c2265223a7b226474797065223a22463332222c227368617065223a5b302c335d2c22646174615f6f666673657473223a5b"
        + "31362c31365d7d2c2273223a7b226474797065223a22463332222c227368617065223a5b5d2c22646174615f6f666673657473223a5b31"
        + "362c32305d7d2c2268223a7b226474797065223a22463136222c227368617065223a5b335d2c22646174615f6f666673657473223a5b32"
        + "302c32365d7d7d2020202020000000000000e03f0000803f000000c000004040003cff7b0100";

    @TempDir
    Path dir;

    private static SafetensorsFile referenceContent() {
        return SafetensorsFile.of(List.of(
            StoredTensor.f32("b", new long[] {2}, new float[] {1, -2}),
            StoredTensor.f64("a", new long[] {1, 1}, new double[] {0.5}),
            StoredTensor.f16("h", new long[] {3}, new float[] {1, 65504, 6e-8f}),
            StoredTensor.f32("s", new long[] {}, new float[] {3}),
            StoredTensor.f32("e", new long[] {0, 3}, new float[0])), Map.of("format", "np", "k", "v"));
    }

    @Test
    void readsTheReferenceImplementationsFile() throws IOException {
        Path file = dir.resolve("ref.safetensors");
        Files.write(file, HexFormat.of().parseHex(REFERENCE_HEX));
        SafetensorsFile read = Safetensors.read(file);
        assertEquals(referenceContent(), read);
        assertEquals(List.of("a", "b", "e", "s", "h"), List.copyOf(read.tensors().keySet()), "header order");
        assertArrayEquals(new float[] {1, 65504, 0x1p-24f}, read.tensor("h").toFloatArray());
        assertArrayEquals(new long[] {0, 3}, read.tensor("e").shape());
        assertEquals(0, read.tensor("s").rank());
        assertEquals(Map.of("format", "np", "k", "v"), read.metadata());
    }

    @Test
    void writesExactlyTheReferenceImplementationsBytes() throws IOException {
        assertEquals(REFERENCE_HEX, HexFormat.of().formatHex(Safetensors.encode(referenceContent())));
        Path file = dir.resolve("ours.safetensors");
        referenceContent().write(file);
        assertEquals(REFERENCE_HEX, HexFormat.of().formatHex(Files.readAllBytes(file)));
    }

    @Test
    void headerIsPaddedWithSpacesToEightBytes() {
        byte[] bytes = Safetensors.encode(SafetensorsFile.of(List.of(StoredTensor.f32("x", new long[] {1}, new float[] {1})), Map.of()));
        int n = (int) (bytes[0] & 0xFF);
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, n, StandardCharsets.UTF_8);
        assertEquals("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", header.stripTrailing());
        assertTrue(header.endsWith(" ") && header.stripTrailing().length() > n - 8);
        assertEquals(8 + n + 4, bytes.length);
    }

    @Test
    void roundTripIsBitIdenticalForSpecialValues() throws IOException {
        float[] floats = {0f, -0f, 1f, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7FC00001), Float.intBitsToFloat(0xFF800123), Float.NaN};
        double[] doubles = {0d, -0d, Math.PI, Double.MIN_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY,
            Double.longBitsToDouble(0x7FF0000000000001L), Double.longBitsToDouble(0xFFF8DEADBEEF0001L)};
        SafetensorsFile content = SafetensorsFile.of(List.of(
            StoredTensor.f32("layers.0.w", new long[] {floats.length}, floats),
            StoredTensor.f64("layers.0.b", new long[] {2, 4}, doubles),
            StoredTensor.f32("empty", new long[] {3, 0}, new float[0]),
            StoredTensor.f16("half", new long[] {2}, new float[] {0.5f, -1024f}),
            StoredTensor.bf16("brain", new long[] {1, 1, 1}, new float[] {-3.5f})), Map.of("note", "ünïcödé ✓", "", ""));
        Path file = dir.resolve("model.safetensors");
        content.write(file);
        for (long threshold : new long[] {0, Long.MAX_VALUE}) {
            SafetensorsFile read = Safetensors.read(file, threshold);
            assertEquals(content, read, "threshold " + threshold);
            float[] back = read.tensor("layers.0.w").toFloatArray();
            for (int i = 0; i < floats.length; i++) {
                assertEquals(Float.floatToRawIntBits(floats[i]), Float.floatToRawIntBits(back[i]), "float " + i);
            }
            double[] backD = read.tensor("layers.0.b").toDoubleArray();
            for (int i = 0; i < doubles.length; i++) {
                assertEquals(Double.doubleToRawLongBits(doubles[i]), Double.doubleToRawLongBits(backD[i]), "double " + i);
            }
            assertArrayEquals(Files.readAllBytes(file), Safetensors.encode(read), "re-encoding is canonical");
        }
    }

    @Test
    void noMetadataMeansNoMetadataKey() throws IOException {
        Path file = dir.resolve("plain.safetensors");
        Safetensors.write(file, List.of(StoredTensor.f32("x", new long[] {1}, new float[] {2})));
        assertTrue(!new String(Files.readAllBytes(file), StandardCharsets.UTF_8).contains("__metadata__"));
        assertEquals(Map.of(), Safetensors.read(file).metadata());
        Safetensors.write(file, List.of(), Map.of());
        SafetensorsFile empty = Safetensors.read(file);
        assertTrue(empty.tensors().isEmpty());
        assertEquals(16, Files.size(file), "8-byte prefix + '{}' padded to 8");
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("w.safetensors");
        Safetensors.write(file, List.of(StoredTensor.f32("x", new long[] {1}, new float[] {1})));
        Safetensors.write(file, List.of(StoredTensor.f32("y", new long[] {1}, new float[] {2})));
        assertEquals(List.of("y"), List.copyOf(Safetensors.read(file).tensors().keySet()));
        byte[] before = Files.readAllBytes(file);
        IOException boom = assertThrows(IOException.class, () -> AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("disk full");
        }));
        assertEquals("cannot write " + file + ": disk full", boom.getMessage(), "the error names the file it concerns");
        assertArrayEquals(before, Files.readAllBytes(file), "a failed write leaves the old file");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void aDirectoryGivenAsAFileIsNamedAsSuch() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("model.safetensors"));
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(folder));
        assertEquals("invalid safetensors file " + folder + ": is a directory, not a safetensors file", e.getMessage());
        IOException w = assertThrows(IOException.class, () -> AtomicFiles.write(folder, new byte[] {1}));
        assertTrue(w.getMessage().contains(folder.toString()) && w.getMessage().contains("is a directory"), w.getMessage());
    }

    @Test
    void severalFilesAreReplacedOnlyWhenAllWereWritten() throws IOException {
        Path a = dir.resolve("a.json"), b = dir.resolve("b.safetensors");
        Files.writeString(a, "old a");
        Files.writeString(b, "old b");
        java.util.Map<Path, AtomicFiles.Body> both = new java.util.LinkedHashMap<>();
        both.put(a, ch -> AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap("new a".getBytes())));
        both.put(b, ch -> {
            throw new IOException("No space left on device");
        });
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeAll(both));
        assertEquals("cannot write " + b + ": No space left on device", e.getMessage());
        assertEquals("old a", Files.readString(a), "the first file is not replaced when the second fails");
        assertEquals("old b", Files.readString(b));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left behind");
        }
        both.put(b, ch -> AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap("new b".getBytes())));
        AtomicFiles.writeAll(both);
        assertEquals("new a", Files.readString(a));
        assertEquals("new b", Files.readString(b));
    }

    @Test
    void writerRefusesWhatCannotBeReadBack() {
        StoredTensor x = StoredTensor.f32("x", new long[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class, () -> SafetensorsFile.of(List.of(x, x), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.encode(
            SafetensorsFile.of(List.of(StoredTensor.f32("__metadata__", new long[] {1}, new float[] {1})), Map.of())));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.encode(
            SafetensorsFile.of(List.of(StoredTensor.f32("bad\uD800", new long[] {1}, new float[] {1})), Map.of())));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.encode(SafetensorsFile.of(List.of(), Map.of("k", "\uDC00"))));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsFile.of(List.of(x), Map.of()).tensor("nope"));
    }

    @Test
    void mappedAndHeapReadsAgreeAboveTheDefaultThreshold() throws IOException {
        int n = (int) (Safetensors.DEFAULT_MMAP_THRESHOLD / 4) + 1;
        float[] big = new float[n];
        for (int i = 0; i < n; i++) {
            big[i] = i * 0.25f;
        }
        Path file = dir.resolve("big.safetensors");
        Safetensors.write(file, List.of(StoredTensor.f32("big", new long[] {n}, big)));
        SafetensorsFile mapped = Safetensors.read(file);
        SafetensorsFile heap = Safetensors.read(file, Long.MAX_VALUE);
        assertEquals(heap, mapped);
        assertArrayEquals(big, mapped.tensor("big").toFloatArray());
    }
}
