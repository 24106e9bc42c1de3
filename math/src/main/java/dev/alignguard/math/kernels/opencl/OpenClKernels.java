package dev.alignguard.math.kernels.opencl;

import dev.alignguard.math.kernels.ScalarKernels;

import dev.alignguard.math.kernels.VectorKernels;

import dev.alignguard.math.kernels.ForwardingKernels;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ResidentRows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.aparapi.Kernel;
import com.aparapi.ProfileInfo;
import com.aparapi.Range;
import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.exception.CompileFailedException;
import com.aparapi.internal.kernel.KernelManager;

/**
 * The OpenCL backend, through Aparapi: the matrix product, the row softmax, causal attention and the
 * double-precision basis products run as OpenCL kernels on one explicitly chosen OpenCL device (a
 * GPU, an accelerator, or PoCL on the CPU).
 *
 * <p><b>What runs where.</b> {@link #gemm} runs the hand-written {@code panel_gemm.cl} through
 * {@link NativePanelGemm} (register-blocked on packed panels; not an Aparapi kernel, for the reason
 * given there) on a CPU device and the local-memory tiled {@link GemmKernel} on anything else; the choice
 * and the work sizes, from what Aparapi reports for the device, are made once and printed with
 * {@link #device()}. {@link #softmaxRows} runs {@link SoftmaxKernel} (one work-group per row);
 * {@link #causalAttention} and its backward run {@link AttentionKernel}, every sequence and head in
 * one call per pass. {@link #dots}, {@link #addCombination} and {@link #gram} (the Fisher's and the
 * regularizers' products, in double) run {@link SubspaceKernel} when the device has doubles, else on
 * the host (the description says which). The O(n) vector operations ({@code axpy, scale, add, mul,
 * sum, dot, sumOfSquares}) and RMSNorm are delegated to a single-threaded {@link VectorKernels} on
 * the host: they do one or two flops per element moved, so copying the operands to a device and back
 * would cost more than computing them where they are. {@link #profile()} says where the time went.
 *
 * <p><b>Placement by size.</b> A device call has a fixed cost whatever its size: Aparapi's
 * per-call work (argument checks, buffer bookkeeping, the JNI call), the driver's enqueue and wait,
 * and the packing of the operands: 0.075 ms for a 1 x 1 x 1 product on PoCL here at load 3.5, and
 * 0.2-1.2 ms a call under heavier load (benchmarks/RESULTS.md, issue 17). An op whose work the host does in less time than that
 * cannot gain from the device, so every device op first counts its flops ({@code 2mnk} for a
 * product; see {@link #flopsOfAttention} and the others) and runs on the host delegate when they
 * are below {@link #minDeviceFlops()}; the LoRA step's narrow products ({@code 1024 x 8 x 128} and
 * their gradients, 2.1 Mflop each: 93 of its 160 device calls per step) are the ones this catches. This is the
 * standard design of an OpenCL backend: launch latency dominates tiny kernels on GPUs too, where
 * the per-call cost is of the same order while the device's rate is far higher, so the same
 * threshold is the conservative one there. The threshold is a constant,
 * {@link #DEFAULT_MIN_DEVICE_FLOPS}, from the measurement in benchmarks/RESULTS.md (issue 17,
 * branch opencl3), not a timing taken at start-up: where an op runs changes its rounding (the host's
 * vector kernels and the device's kernels agree within float bounds, not bit for bit), and a run
 * must be a pure function of its spec and seed, which a threshold measured on a loaded machine
 * would break. The system property {@value #MIN_DEVICE_FLOPS_PROPERTY} sets it (flops, a
 * non-negative integer); {@code 0} puts every op on the device, as the OpenCL law tests and
 * {@code alignguard verify} do so that the device kernels stay under test. The threshold is printed
 * with {@link #device()} and {@link #profile()} counts the host-placed calls apart.
 *
 * <p><b>Transfers.</b> Kernels run in Aparapi's explicit mode ({@code setExplicit(true)}): each call
 * packs the caller's strided slices into contiguous host buffers owned by the kernel object, sends
 * exactly the operands the kernel reads ({@code put}) and fetches the result ({@code get}). With
 * {@code beta == 0} C is neither packed nor sent, so garbage or NaN in C cannot reach the result.
 * Buffers grow to the next power of two and are reused, so device buffers are reallocated only
 * when a call needs more room than any before it. Kernel objects are created and compiled once, in
 * the constructor, which also runs each once on a tiny problem with a known answer (a self-test of the
 * device, and a work-around: Aparapi 3.0.2 crashes the JVM in {@code dispose()} on a kernel that
 * was compiled but never executed), and released by {@link #close()}.
 *
 * <p><b>Buffers the GC can move.</b> On a CPU device Aparapi would by default wrap the Java
 * arrays themselves as OpenCL buffers ({@code CL_MEM_USE_HOST_PTR}) at the address they had while
 * pinned for an execution, and unpin them when the execution returns; an explicit {@code get} after
 * the garbage collector moved the array then copies from memory the array no longer occupies. With
 * {@code -Xcheck:jni} (every pinned array is a copy, as if it had moved) the self-test below failed
 * every time, and under heavy GC about one product in a few thousand was wrong. The constructor
 * therefore turns Aparapi's shared-memory mode off for the device: buffers are device-owned
 * ({@code CL_MEM_COPY_HOST_PTR}) and every transfer goes to or from the array's current address.
 *
 * <p><b>Signal handlers.</b> PoCL compiles kernels with LLVM in this process, and LLVM replaces the
 * JVM's SIGSEGV/SIGBUS/SIGILL handlers while it does (PoCL also takes SIGFPE and SIGUSR2); the JVM
 * uses those signals itself. Start the JVM with the JDK's signal-chaining library preloaded
 * ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}: the launchers and the build do) so the JVM's
 * handlers stay in place; {@link SignalChaining} warns once when it is missing.
 *
 * <p><b>No silent fallback.</b> When OpenCL cannot run a kernel Aparapi quietly runs its Java
 * translation in a thread pool instead. This class pins each kernel to the chosen device (as its
 * only preferred device and through the device's {@link Range}), compiles the kernels for it up
 * front, and after every execution checks Aparapi's record of where the kernel class ran (only
 * OpenCL devices, this one among them) and that no device was marked failed; anything else throws
 * an {@link IllegalStateException} naming the device that was expected. The constructor throws the same way when there is no
 * OpenCL device at all. {@link #isAvailable()} probes without throwing.
 *
 * <p><b>Device choice.</b> The first GPU, else the first accelerator, else the first CPU device, as
 * Aparapi lists them; or the first whose name contains the device name the program was given
 * ({@code --device} on the command line; case-insensitive).
 *
 * <p><b>Rounding.</b> Each element of the product is summed over {@code p} ascending like the scalar
 * reference, but the OpenCL compiler may contract {@code a * b + c} into fused multiply-adds, and
 * the device's {@code exp} may be less accurate than {@link Math#exp} (OpenCL allows 3 ulp), so
 * results agree with {@link ScalarKernels} to within float rounding bounds, not bit for bit.
 * For a given device, results are deterministic.
 *
 * <p>The device operations are {@code synchronized}: one instance runs one kernel at a time.
 * Aparapi needs the JVM flag {@code --enable-native-access=ALL-UNNAMED}.
 */
public final class OpenClKernels extends ForwardingKernels implements AutoCloseable {

    /** System property: ops of fewer flops than this run on the host (see "Placement by size"); 0 puts all on the device. */
    public static final String MIN_DEVICE_FLOPS_PROPERTY = "alignguard.opencl.minDeviceFlops";

    /**
     * The default of {@link #MIN_DEVICE_FLOPS_PROPERTY}: about what the host's single-threaded vector
     * kernels do in the time of one device call's fixed cost, measured on PoCL here at load 3.5
     * (benchmarks/RESULTS.md, issue 17, branch opencl3): a 1 x 1 x 1 product costs 0.075 ms on the
     * device, and the host's products run at ~100 GFLOP/s, so 0.075 ms is ~7.5 Mflop of host work.
     * An op below it spends more on the launch alone than on the whole computation on the host.
     */
    public static final long DEFAULT_MIN_DEVICE_FLOPS = 8_000_000L;

    private static final String INSTALL_HINT = "install an OpenCL driver for a GPU, or PoCL for the CPU"
        + " (apt-get install pocl-opencl-icd ocl-icd-libopencl1 clinfo); `clinfo -l` must list a device";

    private final OpenCLDevice device;
    private String description;
    /** The local-memory tiled product, for GPUs and accelerators; null when {@link #panelGemm} is used. */
    private final GemmKernel gemmKernel;
    /** The register-blocked panel product, for CPU devices; null when {@link #gemmKernel} is used. */
    private final NativePanelGemm panelGemm;
    /** The panel product's packed operands on the host: op(A), op(B) and C (see {@link #packPanels}). */
    private float[] panelA = new float[1];
    private float[] panelB = new float[1];
    private float[] panelC = new float[1];
    /** Rows of panels per work-group of {@link #panelGemm} (its work-groups are 1 x this). */
    private final int panelGroupRows;
    private final SoftmaxKernel softmaxKernel;
    private final AttentionKernel attentionKernel;
    /** The basis products in double; null when the device has no doubles (they then run on the host). */
    private final SubspaceKernel subspaceKernel;
    /** Whether the device's own kernel timings are collected (-Dcom.aparapi.enableProfiling=true). */
    private final boolean deviceProfiling = Boolean.getBoolean("com.aparapi.enableProfiling");
    private long calls;
    private long packNanos;
    private long uploadNanos;
    private long executeNanos;
    private long deviceKernelNanos;
    private long downloadNanos;
    private long compileNanos;
    private long hostCalls;
    private long hostNanos;
    /**
     * Ops of fewer flops run on the host delegate (see "Placement by size"). Zero while the
     * constructor's self-test runs, so that the self-test exercises the device kernels; final value after.
     */
    private long minDeviceFlops;
    /** Kernels that have executed; only those may be disposed (see {@link #close()}). */
    private final Set<Kernel> executed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The open resident matrices this backend made, each with its own kernel holding its packed copy. */
    private final IdentityHashMap<ResidentRows, DeviceRows> residents = new IdentityHashMap<>();
    private boolean closed;

    /**
     * A backend on the best OpenCL device.
     *
     * @throws IllegalStateException if there is no usable OpenCL device or the kernels do not
     *     compile on it
     */
    public OpenClKernels() {
        this((String) null);
    }

    /**
     * A backend on the first OpenCL device whose name contains {@code deviceName}
     * (case-insensitive), or on the best device when {@code deviceName} is null or blank.
     *
     * @throws IllegalStateException if there is no such OpenCL device or the kernels do not
     *     compile on it
     */
    public OpenClKernels(String deviceName) {
        this(deviceName, null);
    }

    /** As {@link #OpenClKernels(String, Boolean, long)} with the threshold from {@value #MIN_DEVICE_FLOPS_PROPERTY}. */
    OpenClKernels(String deviceName, Boolean panel) {
        this(deviceName, panel, minDeviceFlopsFromProperty());
    }

    /**
     * {@value #MIN_DEVICE_FLOPS_PROPERTY}, or {@link #DEFAULT_MIN_DEVICE_FLOPS} when it is not set.
     *
     * @throws IllegalArgumentException when it is set to anything but a non-negative integer
     */
    static long minDeviceFlopsFromProperty() {
        String value = System.getProperty(MIN_DEVICE_FLOPS_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_MIN_DEVICE_FLOPS;
        }
        try {
            long flops = Long.parseLong(value.trim().replace("_", ""));
            if (flops >= 0) {
                return flops;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + MIN_DEVICE_FLOPS_PROPERTY + "=" + value
            + ": expected a non-negative integer number of flops (0 runs every op on the OpenCL device)");
    }

    /**
     * As {@link #OpenClKernels(String)}, with the product's kernel forced: {@code panel} true for
     * the panel product ({@link NativePanelGemm}), false for the local-memory {@link GemmKernel}, null to choose by the
     * device's type (panels on a CPU device, tiles on anything else); and ops of fewer than
     * {@code minDeviceFlops} flops on the host (0: all on the device). Tests run both kernels on one device.
     */
    OpenClKernels(String deviceName, Boolean panel, long minDeviceFlops) {
        super(new VectorKernels(1));    // the O(n) vector ops stay on the host (see the class comment)
        if (minDeviceFlops < 0) {
            throw new IllegalArgumentException("minDeviceFlops must be >= 0, got " + minDeviceFlops);
        }
        this.device = chooseDevice(deviceName);
        // Device-owned buffers, never buffers over the Java heap: see "Buffers the GC can move".
        device.setSharedMemory(false);
        SignalChaining.warnIfAbsent();
        boolean usePanels = panel != null ? panel : device.getType() == Device.TYPE.CPU;
        int maxGroup = device.getMaxWorkGroupSize();
        if (!usePanels && maxGroup < GemmKernel.TILE * GemmKernel.TILE) {
            throw new IllegalStateException("OpenCL device " + describe(device) + " allows work-groups of "
                + maxGroup + " work-items; the tiled gemm kernel needs " + GemmKernel.TILE * GemmKernel.TILE);
        }
        this.panelGroupRows = usePanels ? panelGroupRows(device.getMaxComputeUnits(), maxGroup) : 0;
        this.description = describe(device) + (usePanels
            ? "; gemm: " + NativePanelGemm.ROWS + "x" + NativePanelGemm.COLS
                + " register-blocked panels (panel_gemm.cl), work-groups of up to "
                + panelGroupRows + " work-items"
            : "; gemm: " + GemmKernel.TILE + "x" + GemmKernel.TILE + " local-memory tiles ("
                + 2 * GemmKernel.TILE * GemmKernel.TILE * Float.BYTES + " of " + device.getLocalMemSize()
                + " bytes of local memory per work-group)");
        long t0 = System.nanoTime();
        this.gemmKernel = usePanels ? null : prepare(new GemmKernel());
        this.panelGemm = usePanels ? new NativePanelGemm(device.getDeviceId(), description) : null;
        this.softmaxKernel = prepare(new SoftmaxKernel());
        this.attentionKernel = prepare(new AttentionKernel());
        this.subspaceKernel = prepareIfDoubles(new SubspaceKernel());
        this.description += subspaceKernel != null ? "; fp64: basis products in double on the device"
            : "; no fp64: basis products in double on the host";
        this.description += minDeviceFlops == 0 ? "; placement: every op on the device (" + MIN_DEVICE_FLOPS_PROPERTY + "=0)"
            : String.format(Locale.ROOT, "; placement: ops under %.1f Mflop on the host (%s)", minDeviceFlops / 1e6,
                MIN_DEVICE_FLOPS_PROPERTY);
        this.compileNanos = System.nanoTime() - t0;
        this.minDeviceFlops = 0;
        selfTest(); // on the device kernels, whatever the threshold
        this.minDeviceFlops = minDeviceFlops;
        resetProfile();
    }

    /** Ops of fewer flops than this run on the host delegate (see "Placement by size"); 0 when all run on the device. */
    public long minDeviceFlops() {
        return minDeviceFlops;
    }

    /** Whether an op of {@code flops} runs on the host (see "Placement by size"). */
    private boolean onHost(long flops) {
        return flops < minDeviceFlops;
    }

    /** Counts a host-placed op that started at {@code t0}. */
    private void hostDone(long t0) {
        hostNanos += System.nanoTime() - t0;
        hostCalls++;
    }

    /** Flops of {@link #causalAttention}: two products of {@code seq x seq x hd} per sequence and head (the causal half not discounted). */
    static long flopsOfAttention(int batch, int seq, int heads, int hd) {
        return 4L * batch * heads * seq * seq * hd;
    }

    /**
     * Work-group height of the panel product: enough work-groups to keep every compute unit busy
     * on the smallest products worth a device call (a 64 x 64 C is 8 x 4 panels), as few as that
     * allows (PoCL runs a work-group's items in one loop, so bigger groups mean less scheduling).
     */
    static int panelGroupRows(int computeUnits, int maxWorkGroupSize) {
        int rows = 1;
        while (rows * 2 <= maxWorkGroupSize && 32 / (rows * 2) >= 2 * Math.max(1, computeUnits)) {
            rows *= 2;
        }
        return rows;
    }

    /**
     * Runs every kernel once on problems with exactly representable answers, so that a device
     * that compiles but computes nonsense fails here, at start-up, with its name in the message.
     */
    private void selfTest() {
        try {
            // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50], every step exact in float.
            float[] c = new float[4];
            gemm(false, false, 2, 2, 2, 1f, new float[] {1, 2, 3, 4}, 0, 2, new float[] {5, 6, 7, 8}, 0, 2, 0f, c, 0, 2);
            float[] x = {0f, 0f, 5f, 7f};
            softmaxRows(2, 2, x, 0, 2, true); // row 0 sees column 0 only: [1 0]; row 1: [s 1-s]
            boolean ok = c[0] == 19f && c[1] == 22f && c[2] == 43f && c[3] == 50f
                && Math.abs(x[0] - 1f) < 1e-6f && x[1] == 0f && Math.abs(x[2] - 0.11920292f) < 1e-6f && Math.abs(x[3] - 0.8807971f) < 1e-6f;
            if (!ok) {
                throw new IllegalStateException("OpenCL device " + description + " failed the self-test: gemm gave "
                    + Arrays.toString(c) + " (expected [19.0, 22.0, 43.0, 50.0]), softmax gave "
                    + Arrays.toString(x) + " (expected [1.0, 0.0, 0.11920292, 0.8807971])");
            }
            // One head, two positions, q = 0: probabilities [1 0; 1/2 1/2], out = [2; 3] for v = [2; 4].
            float[] out = new float[2];
            float[] probs = new float[4];
            causalAttention(1, 2, 1, 1, 1, 1f, new float[2], new float[] {1, 1}, new float[] {2, 4}, out, probs);
            if (out[0] != 2f || out[1] != 3f || probs[0] != 1f || probs[1] != 0f || probs[2] != 0.5f || probs[3] != 0.5f) {
                throw new IllegalStateException("OpenCL device " + description + " failed the self-test: attention gave "
                    + Arrays.toString(out) + " and " + Arrays.toString(probs) + " (expected [2.0, 3.0] and [1.0, 0.0, 0.5, 0.5])");
            }
            if (subspaceKernel != null) {
                double[][] basis = {{1, 2}, {3, 4}};
                double[] coords = new double[2];
                dots(basis, new double[] {1, 1}, coords);
                double[] combined = new double[2];
                addCombination(basis, new double[] {1, 2}, combined);
                double[] g = new double[4];
                gram(basis, g); // [1 2; 3 4] [1 3; 2 4] = [5 11; 11 25]
                if (coords[0] != 3 || coords[1] != 7 || combined[0] != 7 || combined[1] != 10
                    || g[0] != 5 || g[1] != 11 || g[2] != 11 || g[3] != 25) {
                    throw new IllegalStateException("OpenCL device " + description + " failed the self-test: dots gave "
                        + Arrays.toString(coords) + " (expected [3.0, 7.0]), addCombination gave " + Arrays.toString(combined)
                        + " (expected [7.0, 10.0]), gram gave " + Arrays.toString(g) + " (expected [5.0, 11.0, 11.0, 25.0])");
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Where the time went since creation or the last {@link #resetProfile()} (see {@link OpenClProfile}). */
    public synchronized OpenClProfile profile() {
        long panelUpload = panelGemm == null ? 0 : panelGemm.uploadNanos();
        long panelExecute = panelGemm == null ? 0 : panelGemm.executeNanos();
        long panelDownload = panelGemm == null ? 0 : panelGemm.downloadNanos();
        return new OpenClProfile(calls, packNanos, uploadNanos + panelUpload, executeNanos + panelExecute,
            deviceProfiling ? deviceKernelNanos : -1, downloadNanos + panelDownload, compileNanos, hostCalls, hostNanos);
    }

    /** Zeroes the counters of {@link #profile()} (not the compilation time). */
    public synchronized void resetProfile() {
        calls = 0;
        packNanos = 0;
        uploadNanos = 0;
        executeNanos = 0;
        deviceKernelNanos = 0;
        downloadNanos = 0;
        hostCalls = 0;
        hostNanos = 0;
        if (panelGemm != null) {
            panelGemm.resetTimes();
        }
    }

    /**
     * Whether Aparapi can see at least one OpenCL device. Never throws. The constructor
     * additionally compiles the kernels on the device and fails loudly if that fails.
     */
    public static boolean isAvailable() {
        return unavailableReason(null) == null;
    }

    /** Why {@link #isAvailable()} is false, for messages; null when it is true. */
    public static String unavailableReason() {
        return unavailableReason(null);
    }

    private static String unavailableReason(String deviceName) {
        try {
            chooseDevice(deviceName);
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    @Override
    public String name() {
        return "opencl";
    }

    /** {@code opencl: <device name> (<platform vendor>, <device type>, <n> compute units)}. */
    @Override
    public String device() {
        return description;
    }

    // ---------------------------------------------------------------- device selection

    /** All OpenCL devices Aparapi sees: GPUs, then accelerators, then CPUs. */
    private static List<OpenCLDevice> listDevices() {
        List<OpenCLDevice> all = new ArrayList<>();
        try {
            for (Device.TYPE type : new Device.TYPE[] {Device.TYPE.GPU, Device.TYPE.ACC, Device.TYPE.CPU}) {
                List<OpenCLDevice> some = OpenCLDevice.listDevices(type);
                if (some != null) {
                    all.addAll(some);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("OpenCL backend requested, but Aparapi could not query OpenCL ("
                + e + "); " + INSTALL_HINT, e);
        }
        return all;
    }

    private static OpenCLDevice chooseDevice(String deviceName) {
        List<OpenCLDevice> all = listDevices();
        if (all.isEmpty()) {
            throw new IllegalStateException("OpenCL backend requested, but no OpenCL device was found"
                + " (Aparapi would silently run the kernels in a Java thread pool instead); " + INSTALL_HINT);
        }
        if (deviceName == null || deviceName.isBlank()) {
            return all.getFirst();
        }
        String wanted = deviceName.trim().toLowerCase(Locale.ROOT);
        List<String> names = new ArrayList<>();
        for (OpenCLDevice d : all) {
            if (d.getName() != null && d.getName().toLowerCase(Locale.ROOT).contains(wanted)) {
                return d;
            }
            names.add(d.getName());
        }
        throw new IllegalStateException("OpenCL device '" + deviceName.trim() + "' requested, but the OpenCL devices are "
            + names);
    }

    private static String describe(OpenCLDevice d) {
        String vendor = d.getOpenCLPlatform() == null ? "unknown platform" : d.getOpenCLPlatform().getVendor();
        return "opencl: " + d.getName() + " (" + vendor + ", " + d.getType() + ", "
            + d.getMaxComputeUnits() + " compute units)";
    }

    /**
     * {@link #prepare}, or null when the kernel (which computes in double) does not compile for the
     * device: without {@code cl_khr_fp64} the basis products stay on the host, in double, and the
     * description printed at start-up says so.
     */
    private <K extends Kernel> K prepareIfDoubles(K kernel) {
        try {
            return prepare(kernel);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** Pins a kernel to the device, switches it to explicit transfers and compiles it there. */
    private <K extends Kernel> K prepare(K kernel) {
        LinkedHashSet<Device> only = new LinkedHashSet<>();
        only.add(device);
        KernelManager.instance().setPreferredDevices(kernel, only);
        kernel.setExplicit(true);
        try {
            kernel.compile(device);
        } catch (CompileFailedException | RuntimeException | AssertionError e) {
            // No dispose(): on a kernel that never executed it would crash the JVM (see close()).
            throw new IllegalStateException("OpenCL backend requested, but " + kernel.getClass().getSimpleName()
                + " did not compile for " + description + ": " + e, e);
        }
        return kernel;
    }

    /** Runs a kernel on the device and proves it ran there (see the class javadoc). */
    private void execute(Kernel kernel, Range range) {
        long t0 = System.nanoTime();
        try {
            kernel.execute(range);
            executeNanos += System.nanoTime() - t0;
            calls++;
            if (deviceProfiling) {
                List<ProfileInfo> events = kernel.getProfileInfo();
                if (events != null) {
                    for (ProfileInfo e : events) {
                        if (e.getLabel() != null && e.getLabel().startsWith("exec")) {
                            deviceKernelNanos += e.getEnd() - e.getStart();
                        }
                    }
                }
            }
        } catch (RuntimeException | AssertionError e) {
            // Aparapi reports a failed OpenCL execution with a user-supplied device as an AssertionError.
            throw new IllegalStateException("OpenCL kernel " + kernel.getClass().getSimpleName() + " failed on "
                + description + ": " + e, e);
        }
        checkRanOn(kernel, device, description);
        executed.add(kernel);
    }

    /**
     * Throws unless every execution of {@code kernel}'s class so far ran through OpenCL, on
     * {@code expected} among others, with no device marked failed: i.e. unless Aparapi fell back.
     *
     * <p>The evidence is Aparapi's per-class execution profile, which records the device of every
     * execution, Java thread pool included, and its per-class list of failed devices (a fallback
     * always marks the failing device first). {@code Kernel.getTargetDevice()} and
     * {@code isRunningCL()} are not used: they report the class's <em>preferred</em> device, not
     * where a kernel ran.
     */
    static void checkRanOn(Kernel kernel, OpenCLDevice expected, String expectedDescription) {
        KernelManager manager = KernelManager.instance();
        List<Device> failed = manager.getPreferences(kernel).getFailedDevices();
        List<String> javaDevices = new ArrayList<>();
        boolean ranOnExpected = false;
        for (Device d : manager.getProfile(kernel.getClass()).getDevices()) {
            if (!(d instanceof OpenCLDevice)) {
                javaDevices.add(d.getShortDescription());
            } else if (d.getDeviceId() == expected.getDeviceId()) {
                ranOnExpected = true;
            }
        }
        if (!failed.isEmpty() || !javaDevices.isEmpty() || !ranOnExpected) {
            List<String> failedNames = new ArrayList<>();
            for (Device d : failed) {
                failedNames.add(d.getShortDescription());
            }
            throw new IllegalStateException("OpenCL backend requested: kernel " + kernel.getClass().getSimpleName()
                + " should run on " + expectedDescription + ", but Aparapi "
                + (javaDevices.isEmpty() ? "has no record of it running there" : "ran it in Java on " + javaDevices)
                + (failed.isEmpty() ? "" : " after marking failed: " + failedNames)
                + " (a silent fallback to Java, refused)");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("OpenClKernels on " + description + " is closed");
        }
    }

    /**
     * Releases the kernels' OpenCL resources. Later device operations throw. Idempotent.
     *
     * <p>Only kernels that have executed are disposed: Aparapi 3.0.2's native
     * {@code JNIContext::dispose} reads fields that only the first execution initialises, so
     * disposing a kernel that was compiled but never run crashes the JVM (SIGSEGV). The constructor's
     * self-test runs both kernels, so in practice both are always released.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            residents.clear();
            for (Kernel k : executed) {
                k.dispose();
            }
            executed.clear();
            if (panelGemm != null) {
                panelGemm.close();
            }
        }
    }

    // ---------------------------------------------------------------- matrix product

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k,
                                  float alpha, float[] a, int aOff, int lda,
                                  float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc) {
        ensureOpen();
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative gemm shape m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            // op(A) * op(B) contributes nothing: C = beta * C, and beta == 0 writes zeros unread.
            for (int i = 0; i < m; i++) {
                int row = cOff + i * ldc;
                if (beta == 0f) {
                    Arrays.fill(c, row, row + n, 0f);
                } else if (beta != 1f) {
                    delegate().scale(n, beta, c, row);
                }
            }
            return;
        }
        if (onHost(2L * m * n * k)) {
            long t0 = System.nanoTime();
            delegate().gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            hostDone(t0);
            return;
        }
        if (panelGemm != null) {
            panelGemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        // Pack the slices as stored (A: m x k, or k x m when transposed; likewise B); the kernel
        // reads op(A) and op(B) through row/column strides, so transposes cost nothing here.
        long t0 = System.nanoTime();
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        GemmKernel g = gemmKernel;
        g.a = ensure(g.a, Math.multiplyExact(aRows, aCols));
        pack(a, aOff, lda, aRows, aCols, g.a);
        g.b = ensure(g.b, Math.multiplyExact(bRows, bCols));
        pack(b, bOff, ldb, bRows, bCols, g.b);
        g.c = ensure(g.c, Math.multiplyExact(m, n));
        float[] cb = g.c;
        g.m = m;
        g.n = n;
        g.k = k;
        g.aRowStride = transA ? 1 : k;
        g.aColStride = transA ? m : 1;
        g.bRowStride = transB ? 1 : n;
        g.bColStride = transB ? k : 1;
        g.alpha = alpha;
        g.beta = beta;
        if (beta != 0f) {
            pack(c, cOff, ldc, m, n, cb);
        }
        long t1 = System.nanoTime();
        g.put(g.a).put(g.b);
        if (beta != 0f) {
            g.put(cb);
        }
        uploadNanos += System.nanoTime() - t1;
        packNanos += t1 - t0;
        int tile = GemmKernel.TILE;
        execute(g, device.createRange2D(roundUp(n, tile), roundUp(m, tile), tile, tile));
        download(g, cb);
        long t2 = System.nanoTime();
        unpack(cb, m, n, c, cOff, ldc);
        packNanos += System.nanoTime() - t2;
    }

    /** {@link #gemm} on {@link NativePanelGemm}: pack op(A) and op(B) into padded panels, one call, unpack C. */
    private void panelGemm(boolean transA, boolean transB, int m, int n, int k,
                           float alpha, float[] a, int aOff, int lda,
                           float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc) {
        long t0 = System.nanoTime();
        int rowsPer = NativePanelGemm.ROWS;
        int colsPer = NativePanelGemm.COLS;
        int mPad = roundUp(m, rowsPer);
        int nPad = roundUp(n, colsPer);
        panelA = ensure(panelA, Math.multiplyExact(mPad, k));
        packPanels(a, aOff, lda, transA, m, k, rowsPer, panelA);
        panelB = ensure(panelB, Math.multiplyExact(nPad, k));
        packPanels(b, bOff, ldb, !transB, n, k, colsPer, panelB);
        panelC = ensure(panelC, Math.multiplyExact(mPad, nPad));
        float[] cb = panelC;
        if (beta != 0f) {
            pack(c, cOff, ldc, m, n, cb, nPad);
        }
        packNanos += System.nanoTime() - t0;
        int rowPanels = mPad / rowsPer;
        int groupRows = panelGroupRows;
        while (rowPanels % groupRows != 0) {
            groupRows /= 2;
        }
        panelGemm.multiply(panelA, panelB, cb, mPad, nPad, k, alpha, beta, groupRows);
        calls++;
        long t2 = System.nanoTime();
        unpack(cb, m, n, c, cOff, ldc, nPad);
        packNanos += System.nanoTime() - t2;
    }

    /**
     * Packs the {@code rows x k} matrix X into panels of {@code width} rows, each stored k x width
     * ({@code dst[(i / width) * k * width + p * width + i % width] = X(i, p)}); the padding rows
     * of the last panel are left as they are (they only reach padding of C, which is never read
     * back). X(i, p) is {@code x[off + p * ld + i]} when {@code columnMajor}, else
     * {@code x[off + i * ld + p]}: op(A) is A transposed when transA, and op(B)'s columns are the
     * rows of X = op(B)^T, so B is read column-major unless transB.
     */
    private static void packPanels(float[] x, int off, int ld, boolean columnMajor, int rows, int k, int width,
                                   float[] dst) {
        for (int i0 = 0; i0 < rows; i0 += width) {
            int base = i0 * k;
            int w = Math.min(width, rows - i0);
            if (columnMajor) {
                for (int p = 0; p < k; p++) {
                    System.arraycopy(x, off + p * ld + i0, dst, base + p * width, w);
                }
            } else {
                for (int r = 0; r < w; r++) {
                    int src = off + (i0 + r) * ld;
                    for (int p = 0; p < k; p++) {
                        dst[base + p * width + r] = x[src + p];
                    }
                }
            }
        }
    }

    /** {@code kernel.get(buffer)}, timed. */
    private void download(Kernel kernel, float[] buffer) {
        long t0 = System.nanoTime();
        kernel.get(buffer);
        downloadNanos += System.nanoTime() - t0;
    }

    /** Copies the {@code rows x cols} slice at {@code (x, off, ld)} into {@code dst} with row stride {@code dstLd}. */
    private static void pack(float[] x, int off, int ld, int rows, int cols, float[] dst, int dstLd) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, off + r * ld, dst, r * dstLd, cols);
        }
    }

    /** Copies {@code rows x cols} of {@code src} (row stride {@code srcLd}) into the slice at {@code (x, off, ld)}. */
    private static void unpack(float[] src, int rows, int cols, float[] x, int off, int ld, int srcLd) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(src, r * srcLd, x, off + r * ld, cols);
        }
    }

    /** Copies the {@code rows x cols} slice at {@code (x, off, ld)} into {@code dst} densely. */
    private static void pack(float[] x, int off, int ld, int rows, int cols, float[] dst) {
        if (ld == cols) {
            System.arraycopy(x, off, dst, 0, rows * cols);
            return;
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, off + r * ld, dst, r * cols, cols);
        }
    }

    /** Copies the dense {@code rows x cols} {@code src} into the slice at {@code (x, off, ld)}. */
    private static void unpack(float[] src, int rows, int cols, float[] x, int off, int ld) {
        if (ld == cols) {
            System.arraycopy(src, 0, x, off, rows * cols);
            return;
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(src, r * cols, x, off + r * ld, cols);
        }
    }

    /**
     * {@code buffer} if it holds {@code size} floats, else a new one of the next power of two, so a
     * sequence of growing calls reallocates (host and device) buffers O(log size) times.
     */
    private static float[] ensure(float[] buffer, int size) {
        if (buffer.length >= size) {
            return buffer;
        }
        int cap = Integer.highestOneBit(size - 1) << 1;
        return new float[cap >= size ? cap : size];
    }

    private static int roundUp(int x, int multiple) {
        return Math.multiplyExact((x + multiple - 1) / multiple, multiple);
    }

    // ---------------------------------------------------------------- softmax

    @Override
    public synchronized void softmaxRows(int rows, int cols, float[] x, int off, int ld, boolean causal) {
        ensureOpen();
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative softmax shape rows=" + rows + " cols=" + cols);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long t0 = System.nanoTime();
        if (onHost(4L * rows * cols)) { // max, exp, sum, divide per element
            delegate().softmaxRows(rows, cols, x, off, ld, causal);
            hostDone(t0);
            return;
        }
        SoftmaxKernel s = softmaxKernel;
        s.x = ensure(s.x, Math.multiplyExact(rows, cols));
        float[] xb = s.x;
        pack(x, off, ld, rows, cols, xb);
        s.rows = rows;
        s.cols = cols;
        s.causal = causal ? 1 : 0;
        long t1 = System.nanoTime();
        s.put(xb);
        uploadNanos += System.nanoTime() - t1;
        packNanos += t1 - t0;
        int group = SoftmaxKernel.GROUP;
        execute(s, device.createRange(Math.multiplyExact(rows, group), group));
        download(s, xb);
        long t2 = System.nanoTime();
        unpack(xb, rows, cols, x, off, ld);
        packNanos += System.nanoTime() - t2;
    }

    // ---------------------------------------------------------------- attention

    /** Causal attention, every sequence and head in one call of {@link AttentionKernel}. */
    @Override
    public synchronized void causalAttention(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                             float[] q, float[] k, float[] v, float[] out, float[] probs) {
        ensureOpen();
        if (attentionIsEmpty(batch, seq, heads, kvHeads, hd)) {
            return;
        }
        if (onHost(flopsOfAttention(batch, seq, heads, hd))) {
            long t0 = System.nanoTime();
            delegate().causalAttention(batch, seq, heads, kvHeads, hd, scale, q, k, v, out, probs);
            hostDone(t0);
            return;
        }
        AttentionKernel a = prepareAttention(batch, seq, heads, kvHeads, hd, scale, q, k, v);
        int qn = batch * seq * heads * hd;
        int pn = Math.multiplyExact(batch * heads * seq, seq);
        a.o = ensure(a.o, qn);
        a.probs = ensure(a.probs, pn);
        a.phase = 0;
        a.rows = batch * heads * seq;
        long t1 = System.nanoTime();
        a.put(a.q).put(a.k).put(a.v);
        uploadNanos += System.nanoTime() - t1;
        execute(a, rowRange(a.rows));
        download(a, a.o);
        download(a, a.probs);
        long t2 = System.nanoTime();
        System.arraycopy(a.o, 0, out, 0, qn);
        System.arraycopy(a.probs, 0, probs, 0, pn);
        packNanos += System.nanoTime() - t2;
    }

    /** The backward of {@link #causalAttention}: two calls of {@link AttentionKernel} (rows, then kv columns). */
    @Override
    public synchronized void causalAttentionBackward(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                                     float[] q, float[] k, float[] v, float[] probs, float[] dOut,
                                                     float[] dq, float[] dk, float[] dv) {
        ensureOpen();
        if (attentionIsEmpty(batch, seq, heads, kvHeads, hd) || (dq == null && dk == null && dv == null)) {
            return;
        }
        if (onHost(2 * flopsOfAttention(batch, seq, heads, hd))) { // four products instead of two
            long t0 = System.nanoTime();
            delegate().causalAttentionBackward(batch, seq, heads, kvHeads, hd, scale, q, k, v, probs, dOut, dq, dk, dv);
            hostDone(t0);
            return;
        }
        AttentionKernel a = prepareAttention(batch, seq, heads, kvHeads, hd, scale, q, k, v);
        long t0 = System.nanoTime();
        int qn = batch * seq * heads * hd;
        int kn = batch * seq * kvHeads * hd;
        int pn = Math.multiplyExact(batch * heads * seq, seq);
        a.o = copyIn(dOut, qn, a.o);
        a.probs = copyIn(probs, pn, a.probs);
        a.ds = ensure(a.ds, pn);
        a.wantQ = dq == null ? 0 : 1;
        a.wantK = dk == null ? 0 : 1;
        a.wantV = dv == null ? 0 : 1;
        if (dq != null) {
            a.dq = copyIn(dq, qn, a.dq);
        }
        if (dk != null) {
            a.dk = copyIn(dk, kn, a.dk);
        }
        if (dv != null) {
            a.dv = copyIn(dv, kn, a.dv);
        }
        long t1 = System.nanoTime();
        packNanos += t1 - t0;
        a.put(a.q).put(a.k).put(a.v).put(a.o).put(a.probs);
        if (dq != null) {
            a.put(a.dq);
        }
        if (dk != null) {
            a.put(a.dk);
        }
        if (dv != null) {
            a.put(a.dv);
        }
        uploadNanos += System.nanoTime() - t1;
        a.phase = 1;
        a.rows = batch * heads * seq;
        execute(a, rowRange(a.rows));
        if (dk != null || dv != null) {
            a.phase = 2;
            a.rows = batch * kvHeads * seq;
            execute(a, rowRange(a.rows));
        }
        if (dq != null) {
            download(a, a.dq);
        }
        if (dk != null) {
            download(a, a.dk);
        }
        if (dv != null) {
            download(a, a.dv);
        }
        long t2 = System.nanoTime();
        if (dq != null) {
            System.arraycopy(a.dq, 0, dq, 0, qn);
        }
        if (dk != null) {
            System.arraycopy(a.dk, 0, dk, 0, kn);
        }
        if (dv != null) {
            System.arraycopy(a.dv, 0, dv, 0, kn);
        }
        packNanos += System.nanoTime() - t2;
    }

    /** Checks the shapes; true when there is nothing to compute. */
    private static boolean attentionIsEmpty(int batch, int seq, int heads, int kvHeads, int hd) {
        if (batch < 0 || seq < 0 || heads < 1 || kvHeads < 1 || hd < 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("bad attention shape batch=" + batch + " seq=" + seq + " heads=" + heads
                + " kvHeads=" + kvHeads + " hd=" + hd + " (heads must be a positive multiple of kvHeads)");
        }
        return batch == 0 || seq == 0 || hd == 0;
    }

    /** Sets the kernel's sizes and copies q, k, v into its buffers (the shape checked by {@link #attentionIsEmpty}). */
    private AttentionKernel prepareAttention(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                             float[] q, float[] k, float[] v) {
        long t0 = System.nanoTime();
        AttentionKernel a = attentionKernel;
        a.q = copyIn(q, Math.multiplyExact(batch * seq, heads * hd), a.q);
        a.k = copyIn(k, Math.multiplyExact(batch * seq, kvHeads * hd), a.k);
        a.v = copyIn(v, Math.multiplyExact(batch * seq, kvHeads * hd), a.v);
        a.seq = seq;
        a.heads = heads;
        a.kvHeads = kvHeads;
        a.hd = hd;
        a.scale = scale;
        packNanos += System.nanoTime() - t0;
        return a;
    }

    /** The first {@code n} floats of {@code src} in {@code buffer} (grown if needed). */
    private static float[] copyIn(float[] src, int n, float[] buffer) {
        if (src.length < n) {
            throw new IllegalArgumentException("attention operand has " + src.length + " floats, expected at least " + n);
        }
        float[] dst = ensure(buffer, n);
        System.arraycopy(src, 0, dst, 0, n);
        return dst;
    }

    /** One work-item per row, in work-groups of up to 64 (the range rounded up to whole groups). */
    private Range rowRange(int rows) {
        int group = Math.min(64, Math.max(1, device.getMaxWorkGroupSize()));
        return device.createRange(roundUp(rows, group), group);
    }

    // ---------------------------------------------------------------- basis products (double)

    /** {@code out[k] = <rows[k], x>} on the device ({@link SubspaceKernel}, phase 0), or on the host without fp64. */
    @Override
    public synchronized void dots(double[][] rows, double[] x, double[] out) {
        ensureOpen();
        if (subspaceKernel == null) {
            delegate().dots(rows, x, out);
            return;
        }
        if (rows.length != out.length) {
            throw new IllegalArgumentException(rows.length + " rows but room for " + out.length + " results");
        }
        int m = rows.length;
        int d = x.length;
        if (m == 0) {
            return;
        }
        long t0 = System.nanoTime();
        if (onHost(2L * m * d)) {
            delegate().dots(rows, x, out);
            hostDone(t0);
            return;
        }
        SubspaceKernel sk = subspaceKernel;
        sk.rows = packRows(rows, d, sk.rows);
        packNanos += System.nanoTime() - t0;
        runDots(sk, true, m, x, out);
    }

    /** Phase 0 on {@code sk}, whose {@code rows} hold m rows of length x.length; uploads them when {@code putRows}. */
    private void runDots(SubspaceKernel sk, boolean putRows, int m, double[] x, double[] out) {
        int d = x.length;
        long t0 = System.nanoTime();
        sk.x = ensure(sk.x, d);
        System.arraycopy(x, 0, sk.x, 0, d);
        sk.out = ensure(sk.out, m);
        sk.m = m;
        sk.d = d;
        sk.phase = 0;
        long t1 = System.nanoTime();
        packNanos += t1 - t0;
        if (putRows) {
            sk.put(sk.rows);
        }
        sk.put(sk.x);
        uploadNanos += System.nanoTime() - t1;
        execute(sk, rowRange(m));
        long t2 = System.nanoTime();
        sk.get(sk.out);
        downloadNanos += System.nanoTime() - t2;
        System.arraycopy(sk.out, 0, out, 0, m);
    }

    /** {@code out += sum_k w[k] rows[k]} on the device ({@link SubspaceKernel}, phase 1: the reference's bits), or on the host. */
    @Override
    public synchronized void addCombination(double[][] rows, double[] w, double[] out) {
        ensureOpen();
        if (subspaceKernel == null) {
            delegate().addCombination(rows, w, out);
            return;
        }
        if (rows.length != w.length) {
            throw new IllegalArgumentException(rows.length + " rows but " + w.length + " weights");
        }
        int m = rows.length;
        int d = out.length;
        if (m == 0 || d == 0) {
            return;
        }
        long t0 = System.nanoTime();
        if (onHost(2L * m * d)) { // the same bits as the device's (the reference's fma chain)
            delegate().addCombination(rows, w, out);
            hostDone(t0);
            return;
        }
        SubspaceKernel sk = subspaceKernel;
        sk.rows = packRows(rows, d, sk.rows);
        packNanos += System.nanoTime() - t0;
        runCombination(sk, true, m, w, out);
    }

    /** Phase 1 on {@code sk}, whose {@code rows} hold m rows of length out.length; uploads them when {@code putRows}. */
    private boolean runCombination(SubspaceKernel sk, boolean putRows, int m, double[] w, double[] out) {
        int d = out.length;
        long t0 = System.nanoTime();
        sk.w = ensure(sk.w, m);
        sk.nonzeroRows = ensureInts(sk.nonzeroRows, m);
        int nonzero = 0;
        for (int k = 0; k < m; k++) {
            if (w[k] != 0.0) { // the reference skips zero weights (this keeps a -0.0 in out as it is)
                sk.w[nonzero] = w[k];
                sk.nonzeroRows[nonzero++] = k;
            }
        }
        if (nonzero == 0) {
            packNanos += System.nanoTime() - t0;
            return false; // out unchanged, as the reference leaves it; nothing sent
        }
        sk.nonzero = nonzero;
        sk.out = ensure(sk.out, d);
        System.arraycopy(out, 0, sk.out, 0, d);
        sk.m = m;
        sk.d = d;
        sk.phase = 1;
        long t1 = System.nanoTime();
        packNanos += t1 - t0;
        if (putRows) {
            sk.put(sk.rows);
        }
        sk.put(sk.w).put(sk.nonzeroRows).put(sk.out);
        uploadNanos += System.nanoTime() - t1;
        execute(sk, rowRange((d + SubspaceKernel.BLOCK - 1) / SubspaceKernel.BLOCK));
        long t2 = System.nanoTime();
        sk.get(sk.out);
        downloadNanos += System.nanoTime() - t2;
        System.arraycopy(sk.out, 0, out, 0, d);
        return true;
    }

    // ---------------------------------------------------------------- resident rows (double)

    /** A resident matrix's device side: its own kernel, whose {@code rows} is the packed copy, uploaded once. */
    private static final class DeviceRows {
        final SubspaceKernel kernel;
        boolean uploaded;

        DeviceRows(SubspaceKernel kernel) {
            this.kernel = kernel;
        }
    }

    /**
     * Packs {@code rows} into a copy owned by a kernel of their own (compiled here; PoCL's kernel
     * cache makes the second and later builds cheap), uploaded at the first product and never again:
     * that kernel's {@code rows} is never reassigned or written, so what the device holds is the
     * copy. Without fp64 (or for no rows) the handle only keeps the reference and the products run
     * where the plain ones do.
     */
    @Override
    public synchronized ResidentRows resident(double[][] rows) {
        ensureOpen();
        if (subspaceKernel == null || rows.length == 0) {
            return ResidentRows.onHost(rows);
        }
        ResidentRows[] self = new ResidentRows[1];
        ResidentRows handle = ResidentRows.withRelease(rows, () -> release(self[0]));
        self[0] = handle;
        if (handle.cols() == 0 || onHost(2L * handle.count() * handle.cols())) {
            return handle; // no device copy: its products run where the plain ones of its size do (the host)
        }
        long t0 = System.nanoTime();
        SubspaceKernel k = new SubspaceKernel();
        k.rows = packRows(rows, handle.cols(), new double[Math.multiplyExact(rows.length, handle.cols())]);
        long t1 = System.nanoTime();
        packNanos += t1 - t0;
        prepare(k);
        compileNanos += System.nanoTime() - t1;
        residents.put(handle, new DeviceRows(k));
        return handle;
    }

    /** Frees a resident matrix's kernel (disposed only if it ran: see {@link #close()}). */
    private synchronized void release(ResidentRows handle) {
        DeviceRows dev = residents.remove(handle);
        if (dev != null && !closed && executed.remove(dev.kernel)) {
            dev.kernel.dispose();
        }
    }

    /** {@code out[k] = <rows[k], x>} against the device's copy of resident rows, by the same kernel as {@link #dots(double[][], double[], double[])}. */
    @Override
    public synchronized void dots(ResidentRows rows, double[] x, double[] out) {
        ensureOpen();
        DeviceRows dev = residents.get(rows);
        if (dev == null) {
            dots(rows.rows(), x, out);
            return;
        }
        rows.rows(); // open, and (checked) unchanged since it was uploaded
        int m = rows.count();
        if (m != out.length) {
            throw new IllegalArgumentException(m + " rows but room for " + out.length + " results");
        }
        if (x.length != rows.cols()) {
            throw new IllegalArgumentException("x has length " + x.length + ", the resident rows " + rows.cols());
        }
        runDots(dev.kernel, !dev.uploaded, m, x, out);
        dev.uploaded = true;
    }

    /** {@code out += sum_k w[k] rows[k]} over the device's copy of resident rows (the reference's bits). */
    @Override
    public synchronized void addCombination(ResidentRows rows, double[] w, double[] out) {
        ensureOpen();
        DeviceRows dev = residents.get(rows);
        if (dev == null) {
            addCombination(rows.rows(), w, out);
            return;
        }
        rows.rows();
        int m = rows.count();
        if (m != w.length) {
            throw new IllegalArgumentException(m + " rows but " + w.length + " weights");
        }
        if (out.length != rows.cols()) {
            throw new IllegalArgumentException("out has length " + out.length + ", the resident rows " + rows.cols());
        }
        if (runCombination(dev.kernel, !dev.uploaded, m, w, out)) {
            dev.uploaded = true;
        }
    }

    /** The Gram matrix {@code G^T G} of the rows on the device ({@link SubspaceKernel}, phase 2), or on the host. */
    @Override
    public synchronized void gram(double[][] rows, double[] out) {
        ensureOpen();
        int n = rows.length;
        if (subspaceKernel == null || n == 0) {
            delegate().gram(rows, out);
            return;
        }
        int nn = Math.multiplyExact(n, n);
        if (out.length < nn) {
            throw new IllegalArgumentException(n + " rows need an output of " + nn + " doubles, got " + out.length);
        }
        long t0 = System.nanoTime();
        int d = rows[0].length;
        if (onHost((long) n * (n + 1) * d)) { // n(n+1)/2 dot products of length d
            delegate().gram(rows, out);
            hostDone(t0);
            return;
        }
        SubspaceKernel sk = subspaceKernel;
        sk.rows = packRows(rows, d, sk.rows);
        sk.out = ensure(sk.out, nn);
        sk.m = n;
        sk.d = d;
        sk.phase = 2;
        long t1 = System.nanoTime();
        packNanos += t1 - t0;
        sk.put(sk.rows);
        uploadNanos += System.nanoTime() - t1;
        execute(sk, rowRange(nn));
        long t2 = System.nanoTime();
        sk.get(sk.out);
        downloadNanos += System.nanoTime() - t2;
        System.arraycopy(sk.out, 0, out, 0, nn);
    }

    /** The rows back to back in {@code buffer} (grown if needed), each checked to have length {@code d}. */
    private static double[] packRows(double[][] rows, int d, double[] buffer) {
        double[] dst = ensure(buffer, Math.multiplyExact(rows.length, d));
        for (int k = 0; k < rows.length; k++) {
            if (rows[k].length != d) {
                throw new IllegalArgumentException("row " + k + " has length " + rows[k].length + ", expected " + d);
            }
            System.arraycopy(rows[k], 0, dst, k * d, d);
        }
        return dst;
    }

    /** {@code buffer} if it holds {@code size} ints, else a new one of the next power of two. */
    private static int[] ensureInts(int[] buffer, int size) {
        if (buffer.length >= size) {
            return buffer;
        }
        int cap = Integer.highestOneBit(size - 1) << 1;
        return new int[cap >= size ? cap : size];
    }

    /** {@code buffer} if it holds {@code size} doubles, else a new one of the next power of two (as the float one). */
    private static double[] ensure(double[] buffer, int size) {
        if (buffer.length >= size) {
            return buffer;
        }
        int cap = Integer.highestOneBit(size - 1) << 1;
        return new double[cap >= size ? cap : size];
    }
}
