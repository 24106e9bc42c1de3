package dev.alignguard.model.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian unsigned header length N,
 * N bytes of UTF-8 JSON {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 * "__metadata__": {string: string}}}, then the data buffer, which the tensors' offsets (relative
 * to its start) cover exactly, row-major little-endian.
 *
 * <p>Writing follows the reference implementation: data ordered by element size (largest first,
 * so every tensor is aligned to its element size) then by name, no gaps, the header padded
 * with spaces to a multiple of 8 bytes, {@code __metadata__} first and only when non-empty.
 * Equal content therefore always gives identical bytes. Files are replaced atomically.
 *
 * <p>Reading checks everything against the file before touching data and refuses anything else
 * with a {@link SafetensorsFormatException} naming the file; see {@link SafetensorsReader} for
 * the full list. Files of at least {@link #DEFAULT_MMAP_THRESHOLD} bytes are memory-mapped
 * (tensors then view the mapping, which is released when they become unreachable); smaller
 * ones are read onto the heap.
 */
public final class Safetensors {

    /** The reader refuses headers longer than this (100 MB), as the reference implementation does. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Files at least this large (16 MiB) are memory-mapped by {@link #read(Path)}. */
    public static final long DEFAULT_MMAP_THRESHOLD = 16L << 20;

    private Safetensors() {
    }

    /** Reads and validates a file, mapping it when it is at least {@link #DEFAULT_MMAP_THRESHOLD} bytes. */
    public static SafetensorsFile read(Path file) throws IOException {
        return SafetensorsReader.read(file, DEFAULT_MMAP_THRESHOLD);
    }

    /**
     * Reads and validates a file, mapping it when it is at least {@code mmapThreshold} bytes
     * (0: always map; {@link Long#MAX_VALUE}: map only what cannot fit in one array).
     */
    public static SafetensorsFile read(Path file, long mmapThreshold) throws IOException {
        return SafetensorsReader.read(file, mmapThreshold);
    }

    /** Writes tensors without metadata, atomically. */
    public static void write(Path file, Collection<Tensor> tensors) throws IOException {
        write(file, SafetensorsFile.of(tensors, Map.of()));
    }

    /** Writes tensors and metadata, atomically. */
    public static void write(Path file, Collection<Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, SafetensorsFile.of(tensors, metadata));
    }

    /** Writes content atomically: a temporary file in the same directory, then an atomic rename. */
    public static void write(Path file, SafetensorsFile content) throws IOException {
        SafetensorsWriter.write(file, content);
    }

    /** The exact bytes {@link #write(Path, SafetensorsFile)} would write (content under 2 GiB). */
    public static byte[] encode(SafetensorsFile content) {
        return SafetensorsWriter.encode(content);
    }
}
