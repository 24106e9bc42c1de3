package dev.alignguard.model.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/** Lays out and writes safetensors content; the layout rules are described on {@link Safetensors}. */
final class SafetensorsWriter {

    private static final ObjectMapper JSON = JsonMappers.mapper();
    private static final int CHUNK = 1 << 20;

    /** Reference order: larger elements first (keeps every tensor aligned to its element size), then by name. */
    static final Comparator<StoredTensor> ORDER = Comparator.comparingInt((StoredTensor t) -> -t.dtype().byteSize())
        .thenComparing(StoredTensor::name);

    /** The padded header and the tensors in data order. */
    private record Layout(byte[] header, List<StoredTensor> ordered, long dataBytes) {
    }

    private SafetensorsWriter() {
    }

    static void write(Path file, SafetensorsFile content) throws IOException {
        AtomicFiles.write(file, body(content));
    }

    static AtomicFiles.Body body(SafetensorsFile content) {
        Layout layout = layout(content);
        return channel -> {
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, layout.header.length);
            AtomicFiles.writeFully(channel, prefix);
            AtomicFiles.writeFully(channel, ByteBuffer.wrap(layout.header));
            for (StoredTensor t : layout.ordered) {
                writeSegment(channel, t.data());
            }
        };
    }

    static byte[] encode(SafetensorsFile content) {
        Layout layout = layout(content);
        long total = 8L + layout.header.length + layout.dataBytes;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("content is " + total + " bytes, too large for one array; write it to a file");
        }
        byte[] out = new byte[(int) total];
        MemorySegment seg = MemorySegment.ofArray(out);
        seg.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, layout.header.length);
        System.arraycopy(layout.header, 0, out, 8, layout.header.length);
        long offset = 8L + layout.header.length;
        for (StoredTensor t : layout.ordered) {
            MemorySegment.copy(t.data(), 0, seg, offset, t.byteSize());
            offset += t.byteSize();
        }
        return out;
    }

    private static Layout layout(SafetensorsFile content) {
        List<StoredTensor> ordered = new ArrayList<>(content.tensors().values());
        ordered.sort(ORDER);
        ObjectNode root = JSON.createObjectNode();
        if (!content.metadata().isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            new TreeMap<>(content.metadata()).forEach((k, v) -> {
                requireWellFormed(k, "metadata key");
                requireWellFormed(v, "metadata value of '" + k + "'");
                meta.put(k, v);
            });
        }
        long offset = 0;
        for (StoredTensor t : ordered) {
            requireWellFormed(t.name(), "tensor name");
            if (t.name().equals("__metadata__")) {
                throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
            }
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(t.shape()).forEach(shape::add);
            entry.putArray("data_offsets").add(offset).add(offset + t.byteSize());
            offset += t.byteSize();
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise safetensors header", e);
        }
        int padded = Math.addExact(json.length, (8 - json.length % 8) % 8);
        if (padded > Safetensors.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("header would be " + padded + " bytes, over the "
                + Safetensors.MAX_HEADER_BYTES + "-byte limit readers enforce");
        }
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return new Layout(header, List.copyOf(ordered), offset);
    }

    private static void writeSegment(FileChannel channel, MemorySegment data) throws IOException {
        for (long pos = 0; pos < data.byteSize(); pos += CHUNK) {
            long len = Math.min(CHUNK, data.byteSize() - pos);
            AtomicFiles.writeFully(channel, data.asSlice(pos, len).asByteBuffer());
        }
    }

    /** UTF-8 cannot encode a lone surrogate, so such a string could not be read back. */
    private static void requireWellFormed(String s, String what) {
        int bad = firstUnpairedSurrogate(s);
        if (bad >= 0) {
            throw new IllegalArgumentException(what + " contains an unpaired surrogate at index " + bad);
        }
    }

    /** Index of the first UTF-16 surrogate without its partner, or -1 when the string is well-formed Unicode. */
    static int firstUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
