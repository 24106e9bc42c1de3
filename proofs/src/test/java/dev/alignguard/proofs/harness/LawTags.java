package dev.alignguard.proofs.harness;

/**
 * The JUnit tags that let {@code alignguard verify} choose laws: the laws of one kernel backend
 * carry {@code backend-NAME} ({@code --backend NAME} keeps them and drops the other backends'),
 * the harness's own tests carry {@link #HARNESS} (they check the harness, not a law), and tests
 * of the repository's sources carry {@link #REPOSITORY} (they read files relative to the checkout,
 * not a law of the code); neither is ever part of a verification run. {@code ./test} runs everything regardless of tags.
 */
public final class LawTags {

    /** The prefix of a backend tag; the rest is the backend's name as {@code --backend} spells it. */
    public static final String BACKEND_PREFIX = "backend-";

    /** Laws of the Vector API backend ({@code VectorKernels}). */
    public static final String VECTOR = BACKEND_PREFIX + "vector";

    /** Laws of the OpenCL backend ({@code OpenClKernels}). */
    public static final String OPENCL = BACKEND_PREFIX + "opencl";

    /** Tests of the property harness itself. */
    public static final String HARNESS = "harness";

    /** Checks of the repository's sources (they need the checkout as their working directory). */
    public static final String REPOSITORY = "repository";

    private LawTags() {
    }
}
