package dev.alignguard.model.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor as stored in a safetensors file: dtype, shape and its raw row-major
 * little-endian bytes. Keeping the bytes (not decoded floats) makes a read-write round trip
 * bit-identical, NaN payloads and -0.0 included, and lets a memory-mapped file be read lazily.
 *
 * <p>The segment is not copied: tensors made by the factories own fresh memory, tensors from
 * {@link Safetensors#read} view the file (heap copy or read-only mapping). The record stores
 * a read-only view, so nothing can write through it.
 *
 * @param name  tensor name (the key in the safetensors header)
 * @param dtype element type
 * @param shape dimensions, row-major, each &gt;= 0; empty for a scalar
 * @param data  exactly {@code elementCount() * dtype.byteSize()} bytes, little-endian
 */
public record StoredTensor(String name, DType dtype, long[] shape, MemorySegment data) {

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Validates the shape against the byte count and stores defensive/read-only views. */
    public StoredTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long expected = Math.multiplyExact(elementCount(shape), dtype.byteSize());
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " with shape " + Arrays.toString(shape)
                + " needs " + expected + " bytes, got " + data.byteSize());
        }
        data = data.asReadOnly();
    }

    /** An F32 tensor holding a copy of {@code values}. */
    public static StoredTensor f32(String name, long[] shape, float[] values) {
        checkCount(name, shape, values.length);
        MemorySegment seg = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, 4)]);
        for (int i = 0; i < values.length; i++) {
            seg.setAtIndex(F32_LE, i, values[i]);
        }
        return new StoredTensor(name, DType.F32, shape, seg);
    }

    /** An F64 tensor holding a copy of {@code values}. */
    public static StoredTensor f64(String name, long[] shape, double[] values) {
        checkCount(name, shape, values.length);
        MemorySegment seg = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, 8)]);
        for (int i = 0; i < values.length; i++) {
            seg.setAtIndex(F64_LE, i, values[i]);
        }
        return new StoredTensor(name, DType.F64, shape, seg);
    }

    /** An F16 tensor; each value is rounded to nearest even half precision. */
    public static StoredTensor f16(String name, long[] shape, float[] values) {
        return halves(name, DType.F16, shape, values);
    }

    /** A BF16 tensor; each value is rounded to nearest even bfloat16. */
    public static StoredTensor bf16(String name, long[] shape, float[] values) {
        return halves(name, DType.BF16, shape, values);
    }

    /** A tensor of the given dtype from floats (F64 widens exactly; F16 and BF16 round). */
    public static StoredTensor of(String name, DType dtype, long[] shape, float[] values) {
        return switch (dtype) {
            case F32 -> f32(name, shape, values);
            case F16 -> f16(name, shape, values);
            case BF16 -> bf16(name, shape, values);
            case F64 -> {
                double[] wide = new double[values.length];
                for (int i = 0; i < values.length; i++) {
                    wide[i] = values[i];
                }
                yield f64(name, shape, wide);
            }
        };
    }

    /** A tensor holding a copy of raw little-endian bytes. */
    public static StoredTensor ofBytes(String name, DType dtype, long[] shape, byte[] littleEndian) {
        return new StoredTensor(name, dtype, shape, MemorySegment.ofArray(littleEndian.clone()));
    }

    private static StoredTensor halves(String name, DType dtype, long[] shape, float[] values) {
        checkCount(name, shape, values.length);
        MemorySegment seg = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, 2)]);
        for (int i = 0; i < values.length; i++) {
            short bits = dtype == DType.F16 ? HalfFloats.floatToF16(values[i]) : HalfFloats.floatToBf16(values[i]);
            seg.setAtIndex(I16_LE, i, bits);
        }
        return new StoredTensor(name, dtype, shape, seg);
    }

    private static void checkCount(String name, long[] shape, int length) {
        long count = elementCount(shape);
        if (count != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has " + count
                + " elements, got " + length + " values");
        }
    }

    /** Product of the dimensions (1 for a scalar); refuses negative dimensions and overflow. */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        return count;
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** Number of elements. */
    public long elementCount() {
        return data.byteSize() / dtype.byteSize();
    }

    /** Number of data bytes. */
    public long byteSize() {
        return data.byteSize();
    }

    /** Element {@code index} (row-major) as a float; F64 is rounded to nearest. */
    public float getFloat(long index) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32_LE, index);
            case F64 -> (float) data.getAtIndex(F64_LE, index);
            case F16 -> HalfFloats.f16ToFloat(data.getAtIndex(I16_LE, index));
            case BF16 -> HalfFloats.bf16ToFloat(data.getAtIndex(I16_LE, index));
        };
    }

    /** Element {@code index} (row-major) as a double; exact for every dtype. */
    public double getDouble(long index) {
        return dtype == DType.F64 ? data.getAtIndex(F64_LE, index) : getFloat(index);
    }

    /** All elements as floats, row-major; F64 values are rounded to nearest. */
    public float[] toFloatArray() {
        float[] out = new float[arrayLength()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getFloat(i);
        }
        return out;
    }

    /** All elements as doubles, row-major; exact for every dtype. */
    public double[] toDoubleArray() {
        double[] out = new double[arrayLength()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** A copy of the raw little-endian bytes. */
    public byte[] toByteArray() {
        if (data.byteSize() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor '" + name + "' has " + data.byteSize() + " bytes, too many for one array");
        }
        return data.toArray(ValueLayout.JAVA_BYTE);
    }

    private int arrayLength() {
        long count = elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor '" + name + "' has " + count + " elements, too many for one array");
        }
        return (int) count;
    }

    /** Equal when name, dtype, shape and every data byte are equal (bit identity, not float equality). */
    @Override
    public boolean equals(Object o) {
        return o instanceof StoredTensor t
            && name.equals(t.name)
            && dtype == t.dtype
            && Arrays.equals(shape, t.shape)
            && data.mismatch(t.data) == -1;
    }

    /** Hashes the header part only, so hashing a large mapped tensor does not read it. */
    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return "StoredTensor[" + name + ", " + dtype + ", " + Arrays.toString(shape) + "]";
    }
}
