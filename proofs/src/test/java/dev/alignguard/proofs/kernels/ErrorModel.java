package dev.alignguard.proofs.kernels;

/**
 * What a backend's elementary functions guarantee, in units of {@code u = 2^-24} of relative error:
 * the quantities the softmax bound needs beyond the standard model (additions and multiplications
 * are correctly rounded everywhere: IEEE in Java, required by the OpenCL C specification).
 *
 * @param expError relative error of {@code exp} on a float argument, over {@code u}
 * @param divError relative error of float division, over {@code u}
 */
record ErrorModel(String name, double expError, double divError) {

    /**
     * Java: {@link Math#exp} is within 1 ulp of the exact value in double, i.e. relative
     * {@code 2^-52}; rounding that to float adds {@code u}: in all {@code u + 2^-52 + u 2^-52},
     * below {@code (1 + 2^-27) u}. Float division is correctly rounded: {@code u}.
     */
    static final ErrorModel JAVA = new ErrorModel("java", 1 + 0x1p-27, 1);

    /**
     * OpenCL C, full profile, single precision, default build options (Aparapi passes none):
     * {@code exp} within 3 ulp and {@code x / y} within 2.5 ulp (OpenCL C specification, table of
     * ULP values for single precision built-in math functions). One ulp of a normal float {@code x}
     * is at most {@code 2 u |x|}, so 3 ulp is at most {@code 6 u} and 2.5 ulp at most {@code 5 u}.
     */
    static final ErrorModel OPENCL = new ErrorModel("opencl", 6, 5);
}
