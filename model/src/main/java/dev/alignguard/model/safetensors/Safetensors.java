package dev.alignguard.model.safetensors;

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
 * <p>Reading checks everything against the file before touching data; nothing is allocated from a
 * claimed size before that size is checked against the file, and every loop is bounded by the
 * file's length. Refused, each with a {@link SafetensorsFormatException} naming the file:
 * <ul>
 *   <li>a file shorter than the 8-byte length prefix;</li>
 *   <li>a header length over {@link #MAX_HEADER_BYTES} or past the end of the file; a header with
 *       more than {@link InputLimits#SAFETENSORS_MAX_TENSORS} tensors, more JSON tokens or deeper
 *       nesting than {@link InputLimits} allows, or too large to parse in the free heap;</li>
 *   <li>a header that is not UTF-8, does not start with '{', is not one JSON object (trailing
 *       whitespace, the writer's padding, is allowed), repeats a key at any level, or spells an
 *       unpaired surrogate with a JSON escape;</li>
 *   <li>a tensor entry that is not an object with exactly "dtype" (a supported {@link DType}),
 *       "shape" (non-negative integers) and "data_offsets" ([begin, end], integers, begin &lt;= end);
 *       a "__metadata__" that is not an object of strings (null counts as absent);</li>
 *   <li>end - begin different from the dtype size times the element count (overflow refused);</li>
 *   <li>offsets that run past the data buffer, overlap, leave gaps, or leave trailing bytes:
 *       the tensors, sorted by (begin, end), must tile the data buffer exactly.</li>
 * </ul>
 * Failures to open or read the file stay plain {@link IOException}s. Files of at least {@link #DEFAULT_MMAP_THRESHOLD} bytes are memory-mapped
 * (tensors then view the mapping, which is released when they become unreachable); smaller
 * ones are read onto the heap (or mapped too, when the free heap cannot hold them).
 */
public final class Safetensors {

    /** The reader refuses headers longer than this (100 MB), as the reference implementation does ({@link InputLimits}). */
    public static final long MAX_HEADER_BYTES = InputLimits.SAFETENSORS_MAX_HEADER_BYTES;

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
    public static void write(Path file, Collection<StoredTensor> tensors) throws IOException {
        write(file, SafetensorsFile.of(tensors, Map.of()));
    }

    /** Writes tensors and metadata, atomically. */
    public static void write(Path file, Collection<StoredTensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, SafetensorsFile.of(tensors, metadata));
    }

    /** Writes content atomically: a temporary file in the same directory, then an atomic rename. */
    public static void write(Path file, SafetensorsFile content) throws IOException {
        SafetensorsWriter.write(file, content);
    }

    /** What {@link #write(Path, SafetensorsFile)} writes, for {@link AtomicFiles#writeAll} (several files replaced together). */
    public static AtomicFiles.Body body(SafetensorsFile content) {
        return SafetensorsWriter.body(content);
    }

    /** The exact bytes {@link #write(Path, SafetensorsFile)} would write (content under 2 GiB). */
    public static byte[] encode(SafetensorsFile content) {
        return SafetensorsWriter.encode(content);
    }
}
