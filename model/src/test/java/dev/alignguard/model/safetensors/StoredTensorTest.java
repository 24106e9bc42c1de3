package dev.alignguard.model.safetensors;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StoredTensorTest {

    @Test
    void factoriesStoreLittleEndianBytes() {
        StoredTensor t = StoredTensor.f32("w", new long[] {2}, new float[] {1.0f, -2.0f});
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0}, t.toByteArray());
        assertEquals(2, t.elementCount());
        assertEquals(8, t.byteSize());
        assertArrayEquals(new double[] {1.0, -2.0}, t.toDoubleArray());
    }

    @Test
    void halfTensorsDecodeThroughBothAccessors() {
        byte[] raw = {0x00, 0x3C, 0x01, 0x00, 0x00, (byte) 0xFC, 0x00, (byte) 0x80};
        StoredTensor h = StoredTensor.ofBytes("h", DType.F16, new long[] {2, 2}, raw);
        assertArrayEquals(new float[] {1.0f, 0x1p-24f, Float.NEGATIVE_INFINITY, -0.0f}, h.toFloatArray());
        assertArrayEquals(new double[] {1.0, 0x1p-24, Double.NEGATIVE_INFINITY, -0.0}, h.toDoubleArray());
        StoredTensor b = StoredTensor.ofBytes("b", DType.BF16, new long[] {2}, new byte[] {(byte) 0x80, 0x3F, 0x49, 0x40});
        assertArrayEquals(new float[] {1.0f, 3.140625f}, b.toFloatArray());
        assertEquals(b, StoredTensor.bf16("b", new long[] {2}, new float[] {1.0f, 3.140625f}));
    }

    @Test
    void f64NarrowsToNearestFloat() {
        StoredTensor t = StoredTensor.f64("d", new long[] {}, new double[] {0.1});
        assertEquals(0, t.rank());
        assertArrayEquals(new float[] {0.1f}, t.toFloatArray());
        assertArrayEquals(new double[] {0.1}, t.toDoubleArray());
    }

    @Test
    void equalityIsBitIdentity() {
        float nanA = Float.intBitsToFloat(0x7FC00001);
        float nanB = Float.intBitsToFloat(0x7FC00002);
        long[] s = {1};
        assertEquals(StoredTensor.f32("x", s, new float[] {nanA}), StoredTensor.f32("x", s, new float[] {nanA}));
        assertNotEquals(StoredTensor.f32("x", s, new float[] {nanA}), StoredTensor.f32("x", s, new float[] {nanB}));
        assertNotEquals(StoredTensor.f32("x", s, new float[] {0.0f}), StoredTensor.f32("x", s, new float[] {-0.0f}));
        assertNotEquals(StoredTensor.f32("x", s, new float[] {1f}), StoredTensor.f32("y", s, new float[] {1f}));
        assertNotEquals(StoredTensor.f32("x", new long[] {1, 1}, new float[] {1f}), StoredTensor.f32("x", s, new float[] {1f}));
    }

    @Test
    void shapeIsCopiedAndChecked() {
        long[] shape = {2, 3};
        StoredTensor t = StoredTensor.f32("x", shape, new float[6]);
        shape[0] = 99;
        t.shape()[1] = 99;
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertEquals(0, StoredTensor.f32("e", new long[] {0, 5}, new float[0]).elementCount());
        assertThrows(IllegalArgumentException.class, () -> StoredTensor.f32("x", new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> StoredTensor.f32("x", new long[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class,
            () -> new StoredTensor("x", DType.F64, new long[] {2}, MemorySegment.ofArray(new byte[8])));
    }
}
