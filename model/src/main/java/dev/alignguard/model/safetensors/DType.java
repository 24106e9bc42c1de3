package dev.alignguard.model.safetensors;

import java.util.Optional;

/**
 * The safetensors element types this framework reads and writes. Names are the format's own
 * ({@code "F32"}, ...). Other dtypes of the format (integers, FP8, ...) are deliberately absent:
 * the model trains in float and stores in float or double, so a file with any other dtype is
 * refused by the reader rather than half-understood.
 */
public enum DType {
    /** IEEE 754 binary64. */
    F64(8),
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary16 (half precision). */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype with this exact (case-sensitive) safetensors name, or empty when unsupported. */
    public static Optional<DType> fromName(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
