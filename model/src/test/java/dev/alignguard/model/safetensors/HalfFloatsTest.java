package dev.alignguard.model.safetensors;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HalfFloatsTest {

    private static void f16(int bits, float expected) {
        float got = HalfFloats.f16ToFloat((short) bits);
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got), () -> String.format("0x%04x -> %s", bits, got));
    }

    private static void bf16(int bits, float expected) {
        float got = HalfFloats.bf16ToFloat((short) bits);
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got), () -> String.format("0x%04x -> %s", bits, got));
    }

    @Test
    void halfDecodesHandComputedPatterns() {
        f16(0x3C00, 1.0f);
        f16(0xC000, -2.0f);
        f16(0x3555, 0.333251953125f);          // 1.0101010101b * 2^-2
        f16(0x7BFF, 65504.0f);                 // largest finite
        f16(0x0400, 0x1p-14f);                 // smallest normal
        f16(0x03FF, 1023 * 0x1p-24f);          // largest subnormal
        f16(0x0001, 0x1p-24f);                 // smallest subnormal
        f16(0x8001, -0x1p-24f);
        f16(0x0000, 0.0f);
        f16(0x8000, -0.0f);
        f16(0x7C00, Float.POSITIVE_INFINITY);
        f16(0xFC00, Float.NEGATIVE_INFINITY);
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0x7E00)));
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0xFC01)));
    }

    @Test
    void halfEncodingRoundsToNearestEven() {
        assertEquals((short) 0x3C00, HalfFloats.floatToF16(1.0f + 0x1p-11f));   // tie, stays even
        assertEquals((short) 0x3C02, HalfFloats.floatToF16(1.0f + 3 * 0x1p-11f)); // tie, rounds up to even
        assertEquals((short) 0x7C00, HalfFloats.floatToF16(65520.0f));          // overflows to infinity
        assertEquals((short) 0x0001, HalfFloats.floatToF16(6e-8f));             // nearest subnormal
        assertEquals((short) 0x8000, HalfFloats.floatToF16(-0.0f));
    }

    @Test
    void bfloatDecodesHandComputedPatterns() {
        bf16(0x3F80, 1.0f);
        bf16(0xC000, -2.0f);
        bf16(0x4049, 3.140625f);
        bf16(0x7F7F, Float.intBitsToFloat(0x7F7F0000));  // largest finite
        bf16(0x0080, 0x1p-126f);                         // smallest normal
        bf16(0x0001, 0x1p-133f);                         // smallest subnormal
        bf16(0x8000, -0.0f);
        bf16(0x7F80, Float.POSITIVE_INFINITY);
        bf16(0xFF80, Float.NEGATIVE_INFINITY);
        assertEquals(0x7FC10000, Float.floatToRawIntBits(HalfFloats.bf16ToFloat((short) 0x7FC1)));  // payload kept
    }

    @Test
    void bfloatEncodingRoundsToNearestEvenAndKeepsNaN() {
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808000)));  // tie, stays even
        assertEquals((short) 0x3F82, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F818000)));  // tie, up to even
        assertEquals((short) 0x3F81, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808001)));  // above the tie
        assertEquals((short) 0x7F80, HalfFloats.floatToBf16(Float.MAX_VALUE));                   // rounds to infinity
        assertEquals((short) 0x7FC0, HalfFloats.floatToBf16(Float.NaN));
        short nan = HalfFloats.floatToBf16(Float.intBitsToFloat(0x7F800001));                    // signalling, low payload
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(nan)), "a NaN must not round to infinity");
        assertEquals((short) 0xFFC0, HalfFloats.floatToBf16(Float.intBitsToFloat(0xFF800001)));
    }
}
