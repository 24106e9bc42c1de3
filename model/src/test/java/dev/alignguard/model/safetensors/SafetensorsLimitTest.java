package dev.alignguard.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tensor-count bound at its boundary, with a small limit so the files stay small (the real limit,
 * {@link InputLimits#SAFETENSORS_MAX_TENSORS}, is checked in {@code InputLimitsTest}): metadata does
 * not count, the limit itself is accepted, one more is refused.
 */
class SafetensorsLimitTest {

    @TempDir
    Path dir;

    private Path file(int tensors, boolean metadata) throws IOException {
        StringBuilder h = new StringBuilder("{").append(metadata ? "\"__metadata__\":{\"format\":\"pt\"}" : "");
        for (int i = 0; i < tensors; i++) {
            h.append(i == 0 && !metadata ? "" : ",").append("\"t").append(i)
                .append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve(tensors + "-" + metadata + ".safetensors");
        Files.write(f, ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header).array());
        return f;
    }

    @Test
    void theLimitIsAcceptedAndOneMoreRefused() throws IOException {
        for (boolean metadata : new boolean[] {false, true}) {
            assertEquals(5, SafetensorsReader.read(file(5, metadata), Long.MAX_VALUE, 5).tensors().size());
            Path over = file(6, metadata);
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
                () -> SafetensorsReader.read(over, Long.MAX_VALUE, 5));
            assertEquals(over, e.file());
            assertTrue(e.getMessage().contains("lists 6 tensors") && e.getMessage().contains("more than 5 tensors"), e.getMessage());
        }
    }
}
