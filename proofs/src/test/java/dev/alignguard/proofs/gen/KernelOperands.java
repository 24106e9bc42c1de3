package dev.alignguard.proofs.gen;

import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * Operands of the kernel laws: shapes that mix awkward sizes (1, 3, 7, 17, 33, 129, past the Vector
 * backend's 256-deep panel) with small random ones, scalars, slice offsets and paddings, and the
 * seeds the float data are drawn from (see BackendLaws and FloatBounds for what the data must
 * avoid). Every size is a raw integer draw, so a failure shrinks toward small shapes.
 */
public final class KernelOperands {

    private KernelOperands() {
    }

    /** Matrix sides: one of 1, 3, 7, 16, 17, 33, 129, or any in [1, 40]. */
    public static Gen<Integer> dims() {
        return Generate.oneOf(SourceDSL.arbitrary().pick(1, 3, 7, 16, 17, 33, 129), SourceDSL.integers().between(1, 40));
    }

    /** Inner (summed) dimensions: one of 1, 3, 7, 17, 33, 129, 257, 300, or any in [1, 64]. */
    public static Gen<Integer> depths() {
        return Generate.oneOf(SourceDSL.arbitrary().pick(1, 3, 7, 17, 33, 129, 257, 300), SourceDSL.integers().between(1, 64));
    }

    /** Scalars: 0, 1, -1, 0.5, 2, or i / 8 for i in [-24, 24] \ {0} (nonzero ones of magnitude >= 2^-3). */
    public static Gen<Float> scalars() {
        return Generate.oneOf(SourceDSL.arbitrary().pick(0f, 1f, -1f, 0.5f, 2f),
            SourceDSL.integers().between(1, 48).map(i -> (i <= 24 ? i : 24 - i) / 8f));
    }

    /** Slice offsets and row paddings: [0, 5]. */
    public static Gen<Integer> pads() {
        return SourceDSL.integers().between(0, 5);
    }

    /** Vector lengths: one of 0, 1, 7, 15, 16, 17, 31, 33, 64, 1000, 4099, or any in [0, 200]. */
    public static Gen<Integer> lengths() {
        return Generate.oneOf(SourceDSL.arbitrary().pick(0, 1, 7, 15, 16, 17, 31, 33, 64, 1000, 4099),
            SourceDSL.integers().between(0, 200));
    }

    /** A {@code gemm} shape: C (m x n) = op(A) (m x k) op(B) (k x n). */
    public record GemmShape(boolean transA, boolean transB, int m, int n, int k) {
    }

    /** One {@code gemm} call: shape, scalars, padding of the leading dimensions, slice offset, data seed. */
    public record Gemm(GemmShape shape, float alpha, float beta, int pad, int off, long seed) {
    }

    /** Shapes with sides from {@code sides} and depths from {@code depths}, both transposes. */
    public static Gen<GemmShape> gemmShapes(Gen<Integer> sides, Gen<Integer> depths) {
        Gen<Boolean> bools = SourceDSL.booleans().all();
        return bools.zip(bools, sides, sides, depths, GemmShape::new);
    }

    /** {@code gemm} calls on {@link #dims()} x {@link #depths()} shapes, any alpha, the given betas and offsets. */
    public static Gen<Gemm> gemms(Gen<Float> betas, Gen<Integer> offsets) {
        return gemmShapes(dims(), depths()).zip(scalars(), betas, pads(), offsets,
            (shape, alpha, beta, pad, off) -> new Gemm(shape, alpha, beta, pad, off, 0L))
            .zip(Gaussians.seeds(), (g, seed) -> new Gemm(g.shape(), g.alpha(), g.beta(), g.pad(), g.off(), seed));
    }

    /** A {@code softmaxRows} call: rows, cols = rows + extraCols - 1, causal or not, padding, offset, data seed. */
    public record Softmax(int rows, int extraCols, boolean causal, int pad, int off, long seed) {
    }

    /** {@code softmaxRows} calls with rows and extra columns from {@link #dims()}. */
    public static Gen<Softmax> softmaxes() {
        return dims().zip(dims(), SourceDSL.booleans().all(), pads(), pads(),
            (rows, extra, causal, pad, off) -> new Softmax(rows, extra, causal, pad, off, 0L))
            .zip(Gaussians.seeds(), (s, seed) -> new Softmax(s.rows(), s.extraCols(), s.causal(), s.pad(), s.off(), seed));
    }

    /** Sides large enough that most products cross the Vector backend's threshold for going parallel: 1, 7, 33, 129, 200 or [40, 160]. */
    public static Gen<Integer> parallelSides() {
        return Generate.oneOf(SourceDSL.arbitrary().pick(1, 7, 33, 129, 200), SourceDSL.integers().between(40, 160));
    }

    /** Depths around the 256-deep panel: 1, 17, 256, 257, 600 or [16, 400]. */
    public static Gen<Integer> parallelDepths() {
        return Generate.oneOf(SourceDSL.arbitrary().pick(1, 17, 256, 257, 600), SourceDSL.integers().between(16, 400));
    }
}
