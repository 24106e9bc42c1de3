package dev.alignguard.model.safetensors;

/**
 * Conversions between float and the two 16-bit float formats. Kept apart from {@link StoredTensor}
 * so they can be tested against hand-computed bit patterns.
 */
public final class HalfFloats {

    private HalfFloats() {
    }

    /** binary16 bits to float; exact (every half is a float), including subnormals, infinities and NaN. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** float to binary16 bits, rounding to nearest even; overflow gives infinity, NaN stays NaN. */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }

    /** bfloat16 bits to float: the bits become the upper half of a binary32, so this is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * float to bfloat16 bits, rounding to nearest even (as PyTorch does). A NaN keeps its sign and
     * upper payload bits and is forced quiet, so it cannot round into an infinity.
     */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }
}
