package dev.alignguard.model.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every way the reader refuses a file, each with the problem its message names. */
class SafetensorsRefusalTest {

    @TempDir
    Path dir;

    private static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    /** header JSON, data bytes, expected fragment of the problem. */
    static Stream<Arguments> badHeaders() {
        String a = entry("a", "F32", "[2]", "[0,8]");
        return Stream.of(
            arguments("[]", 0, "does not start with '{'"),
            arguments(" {}", 0, "does not start with '{'"),
            arguments("", 0, "does not start with '{'"),
            arguments("{\"a\":", 0, "header is not valid JSON"),
            arguments("{} {}", 0, "header has content after the JSON object at character 3"),
            arguments("{}x", 0, "header is not valid JSON at character 2"),
            arguments("{\"a\":[", 0,
                "header is not valid JSON at character 6: Unexpected end-of-input: expected close marker for Array (start marker at [line: 1, column: 6])"),
            arguments("{'a':1}", 0, "header is not valid JSON"),
            arguments("{\"a\":5}", 0, "tensor 'a': entry is not an object"),
            arguments("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "tensor 'a': missing \"dtype\""),
            arguments("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "tensor 'a': missing \"shape\""),
            arguments("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "tensor 'a': missing \"data_offsets\""),
            arguments("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8, "unexpected field 'x'"),
            arguments("{\"a\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "\"dtype\" is not a string"),
            arguments("{" + entry("a", "I32", "[2]", "[0,8]") + "}", 8, "unsupported dtype 'I32'"),
            arguments("{" + entry("a", "f32", "[2]", "[0,8]") + "}", 8, "unsupported dtype 'f32'"),
            arguments("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, "\"shape\" is not an array"),
            arguments("{" + entry("a", "F32", "[-2]", "[0,8]") + "}", 8, "shape dimension 0 is negative: -2"),
            arguments("{" + entry("a", "F32", "[2.0]", "[0,8]") + "}", 8, "shape dimension 0 is not a non-negative integer"),
            arguments("{" + entry("a", "F32", "[1,\"2\"]", "[0,8]") + "}", 8, "shape dimension 1 is not a non-negative integer"),
            arguments("{" + entry("a", "F32", "[1e3]", "[0,8]") + "}", 8, "shape dimension 0 is not a non-negative integer"),
            arguments("{" + entry("a", "F32", "[[2]]", "[0,8]") + "}", 8, "shape dimension 0 is not a non-negative integer: a ARRAY"),
            arguments("{" + entry("a", "F32", "[99999999999999999999]", "[0,8]") + "}", 8, "shape dimension 0 is out of range"),
            arguments("{" + entry("a", "F32", "[4294967296,4294967296]", "[0,8]") + "}", 8, "overflows a 64-bit byte count"),
            arguments("{" + entry("a", "F64", "[2305843009213693952]", "[0,8]") + "}", 8, "overflows a 64-bit byte count"),
            arguments("{" + entry("a", "F32", "[2]", "{}") + "}", 8, "\"data_offsets\" is not an array [begin, end]"),
            arguments("{" + entry("a", "F32", "[2]", "[0]") + "}", 8, "\"data_offsets\" is not an array [begin, end]"),
            arguments("{" + entry("a", "F32", "[2]", "[0,8,8]") + "}", 8, "\"data_offsets\" is not an array [begin, end]"),
            arguments("{" + entry("a", "F32", "[2]", "[-8,0]") + "}", 8, "data_offsets begin is negative"),
            arguments("{" + entry("a", "F32", "[0]", "[8,0]") + "}", 8, "data_offsets [8, 0] have begin after end"),
            arguments("{" + entry("a", "F32", "[3]", "[0,8]") + "}", 8, "span 8 bytes but F32 with shape [3] needs 12"),
            arguments("{" + entry("a", "F32", "[2]", "[0,8]") + "}", 4, "run past the end of the data buffer (4 bytes)"),
            arguments("{" + a + "," + entry("b", "F32", "[2]", "[4,12]") + "}", 12,
                "tensor 'b' (data_offsets [4, 12]) overlaps tensor 'a'"),
            arguments("{" + a + "," + entry("b", "F32", "[1]", "[12,16]") + "}", 16, "gap of 4 bytes in the data buffer before tensor 'b'"),
            arguments("{" + entry("a", "F32", "[1]", "[4,8]") + "}", 8, "gap of 4 bytes"),
            arguments("{" + a + "," + entry("z", "F32", "[0]", "[4,4]") + "}", 8, "tensor 'z' (data_offsets [4, 4]) overlaps tensor 'a'"),
            arguments("{" + a + "}", 9, "data buffer is 9 bytes but the tensors cover 8 (1 trailing bytes)"),
            arguments("{}", 3, "data buffer is 3 bytes but the tensors cover 0"),
            arguments("{" + a + "," + a + "}", 8, "header repeats a key"),
            arguments("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "header repeats a key"),
            arguments("{\"__metadata__\":[]," + a + "}", 8, "\"__metadata__\" is not an object"),
            arguments("{\"__metadata__\":{\"k\":1}," + a + "}", 8, "\"__metadata__\" value of 'k' is not a string"),
            arguments("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "header repeats a key"),
            arguments("{\"bad\\ud800\":5}", 0, "key 'bad\\ud800' contains an unpaired surrogate escape at index 3"),
            arguments("{\"__metadata__\":{\"k\":\"\\udc00\"}}", 0, "\"__metadata__\" value of 'k'"),
            arguments("{\"tab\\tname\":5}", 0, "tensor 'tab\\u0009name': entry is not an object"),
            arguments("{" + "[".repeat(100) + "]".repeat(100) + "}", 0, "header is not valid JSON"));
    }

    @ParameterizedTest
    @MethodSource("badHeaders")
    void refusesBadHeaders(String header, int dataBytes, String problem) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        assertRefused(file(json.length, json, new byte[dataBytes]), problem);
    }

    @Test
    void refusesFilesShorterThanThePrefix() throws IOException {
        assertRefused(write(new byte[0]), "file is 0 bytes, shorter than the 8-byte header length");
        assertRefused(write(new byte[7]), "file is 7 bytes, shorter than the 8-byte header length");
    }

    @Test
    void refusesHeaderLengthsPastTheFileOrTheLimit() throws IOException {
        byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
        assertRefused(file(-1L, json, new byte[0]), "header length 18446744073709551615 exceeds the limit of 100000000 bytes");
        assertRefused(file(Long.MIN_VALUE, json, new byte[0]), "header length 9223372036854775808 exceeds the limit");
        assertRefused(file(100_000_001L, json, new byte[0]), "header length 100000001 exceeds the limit");
        assertRefused(file(3, json, new byte[0]), "header length 3 runs past the end of the file (10 bytes)");
        assertRefused(file(8, new byte[0], new byte[0]), "header length 8 runs past the end of the file (8 bytes)");
    }

    @Test
    void refusesInvalidUtf8() throws IOException {
        byte[] json = {'{', '"', (byte) 0xC3, '"', ':', '1', '}'};
        assertRefused(file(json.length, json, new byte[0]), "header is not valid UTF-8");
        byte[] overlong = {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'};
        assertRefused(file(overlong.length, overlong, new byte[0]), "header is not valid UTF-8");
    }

    @Test
    void acceptsNullMetadataAndPaddingWhitespace() throws IOException {
        byte[] json = "{\"__metadata__\":null}\n\t \r".getBytes(StandardCharsets.UTF_8);
        SafetensorsFile f = Safetensors.read(file(json.length, json, new byte[0]));
        assertTrue(f.tensors().isEmpty() && f.metadata().isEmpty());
    }

    @Test
    void ioFailuresAreNotFormatErrors() {
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(dir.resolve("missing.safetensors")));
        assertTrue(!(e instanceof SafetensorsFormatException));
    }

    private void assertRefused(Path file, String problem) {
        for (long threshold : new long[] {0, Long.MAX_VALUE}) {
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(file, threshold));
            assertTrue(e.problem().contains(problem), () -> "expected '" + problem + "' in: " + e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), () -> "file not named in: " + e.getMessage());
            assertEquals(file, e.file());
        }
    }

    private Path file(long headerLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header).put(data);
        return write(b.array());
    }

    private Path write(byte[] bytes) throws IOException {
        Path f = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(f, bytes);
        return f;
    }
}
