// Register-blocked matrix product on packed panels, for CPU-like OpenCL devices (PoCL).
// Run by NativePanelGemm; the host packs the operands (OpenClKernels.packPanels):
//   a: mPad / 8 panels, panel ip holds op(A) rows ip*8 .. ip*8+7 stored k x 8:  a[ip*k*8 + p*8 + r]
//   b: nPad / 16 panels, panel jp holds op(B) columns jp*16 .. stored k x 16:     b[jp*k*16 + p*16 + w]
//   c: mPad x nPad, row stride ldc
// One work-item computes one 8 x 16 block of C in eight float16 registers: per step p, one vector
// load of B's panel row, eight broadcasts of A's panel column and eight vector fused multiply-adds.
// Each element is the chain fma(a_p, b_p, ...) over p ascending, as in the scalar reference, with
// every step fused (the reference rounds the product and the sum apart).

#define PANEL_ROWS 8
#define PANEL_COLS 16

#define PANEL_PRODUCT                                                        \
    const int jp = get_global_id(0);                                         \
    const int ip = get_global_id(1);                                         \
    __global const float *ap = a + (size_t) ip * k * PANEL_ROWS;             \
    __global const float *bp = b + (size_t) jp * k * PANEL_COLS;             \
    float16 c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f;                      \
    float16 c4 = 0.0f, c5 = 0.0f, c6 = 0.0f, c7 = 0.0f;                      \
    for (int p = 0; p < k; p++) {                                            \
        const float16 bv = vload16(0, bp);                                   \
        c0 = fma((float16) (ap[0]), bv, c0);                                 \
        c1 = fma((float16) (ap[1]), bv, c1);                                 \
        c2 = fma((float16) (ap[2]), bv, c2);                                 \
        c3 = fma((float16) (ap[3]), bv, c3);                                 \
        c4 = fma((float16) (ap[4]), bv, c4);                                 \
        c5 = fma((float16) (ap[5]), bv, c5);                                 \
        c6 = fma((float16) (ap[6]), bv, c6);                                 \
        c7 = fma((float16) (ap[7]), bv, c7);                                 \
        ap += PANEL_ROWS;                                                    \
        bp += PANEL_COLS;                                                    \
    }                                                                        \
    __global float *cp = c + (size_t) ip * PANEL_ROWS * ldc + jp * PANEL_COLS;

// C = alpha * op(A) op(B); C is only written.
__kernel void panel_gemm(__global const float *a, __global const float *b, __global float *c,
                         const int k, const int ldc, const float alpha) {
    PANEL_PRODUCT
    vstore16(alpha * c0, 0, cp + 0 * ldc);
    vstore16(alpha * c1, 0, cp + 1 * ldc);
    vstore16(alpha * c2, 0, cp + 2 * ldc);
    vstore16(alpha * c3, 0, cp + 3 * ldc);
    vstore16(alpha * c4, 0, cp + 4 * ldc);
    vstore16(alpha * c5, 0, cp + 5 * ldc);
    vstore16(alpha * c6, 0, cp + 6 * ldc);
    vstore16(alpha * c7, 0, cp + 7 * ldc);
}

// C = alpha * op(A) op(B) + beta * C.
__kernel void panel_gemm_beta(__global const float *a, __global const float *b, __global float *c,
                              const int k, const int ldc, const float alpha, const float beta) {
    PANEL_PRODUCT
    vstore16(alpha * c0 + beta * vload16(0, cp + 0 * ldc), 0, cp + 0 * ldc);
    vstore16(alpha * c1 + beta * vload16(0, cp + 1 * ldc), 0, cp + 1 * ldc);
    vstore16(alpha * c2 + beta * vload16(0, cp + 2 * ldc), 0, cp + 2 * ldc);
    vstore16(alpha * c3 + beta * vload16(0, cp + 3 * ldc), 0, cp + 3 * ldc);
    vstore16(alpha * c4 + beta * vload16(0, cp + 4 * ldc), 0, cp + 4 * ldc);
    vstore16(alpha * c5 + beta * vload16(0, cp + 5 * ldc), 0, cp + 5 * ldc);
    vstore16(alpha * c6 + beta * vload16(0, cp + 6 * ldc), 0, cp + 6 * ldc);
    vstore16(alpha * c7 + beta * vload16(0, cp + 7 * ldc), 0, cp + 7 * ldc);
}
