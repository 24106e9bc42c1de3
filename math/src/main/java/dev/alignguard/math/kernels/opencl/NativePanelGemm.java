package dev.alignguard.math.kernels.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The panel matrix product of {@link OpenClKernels} on CPU devices: the hand-written OpenCL C kernel
 * {@code panel_gemm.cl} (next to this class), run through the OpenCL C API with the JDK's foreign
 * function API ({@code java.lang.foreign}) on the device Aparapi chose.
 *
 * <p><b>Why not an Aparapi kernel.</b> Aparapi translates a kernel's Java bytecode to OpenCL C; Java
 * has no vector types, and Aparapi keeps a work-item's private array in a struct in memory, so the
 * accumulators of the Java panel kernel were loaded and stored around every multiply-add; PoCL
 * compiled it to 20-48 GFLOP/s, and scalar locals in its place came out as scalar code (10-26).
 * The same blocking written with {@code float16} registers runs at about 210 GFLOP/s on the same
 * PoCL device (benchmarks/RESULTS.md, issue 17, branch opencl4). Aparapi's own binding for
 * hand-written kernels ({@code com.aparapi.opencl.OpenCL}) cannot be used safely: its native code
 * wraps the Java arrays as OpenCL buffers and releases them to the garbage collector before the
 * kernel and the read-back it enqueued have finished, so a collection in between could move an
 * array under the device's feet.
 *
 * <p><b>Transfers.</b> Device buffers are created once per size (grown to the next power of two),
 * each with a host staging area off the Java heap, which the garbage collector never moves: the packed
 * operands are copied there, the writes, the kernel and the read-back are enqueued without waiting,
 * and one {@code clFinish} waits for all of them (one hand-off to the driver's threads per product
 * instead of one per transfer) before C is copied back into the Java array. No Java array is ever
 * given to the driver beyond the call that receives it.
 *
 * <p>Not thread-safe: {@link OpenClKernels} calls it from its synchronized methods.
 */
final class NativePanelGemm implements AutoCloseable {

    /** Rows of C per work-item (the A panel's width), as {@code PANEL_ROWS} in the kernel. */
    static final int ROWS = 8;
    /** Columns of C per work-item (the B panel's width; one {@code float16}), as {@code PANEL_COLS}. */
    static final int COLS = 16;

    private static final String SOURCE = "panel_gemm.cl";
    private static final int CL_SUCCESS = 0;
    private static final int CL_FALSE = 0;
    private static final long CL_MEM_READ_WRITE = 1L;
    private static final int CL_PROGRAM_BUILD_LOG = 0x1183;

    private final OpenCl cl;
    private final Arena arena = Arena.ofShared();
    // OpenCL handles; NULL until created, so that a constructor failing half-way releases what it made.
    private MemorySegment context = MemorySegment.NULL;
    private MemorySegment queue = MemorySegment.NULL;
    private MemorySegment program = MemorySegment.NULL;
    private MemorySegment plainKernel = MemorySegment.NULL;
    private MemorySegment betaKernel = MemorySegment.NULL;
    private final DeviceBuffer a = new DeviceBuffer();
    private final DeviceBuffer b = new DeviceBuffer();
    private final DeviceBuffer c = new DeviceBuffer();
    /** Scratch for the kernel launch's size arrays and the error code outputs. */
    private final MemorySegment sizes;
    private final MemorySegment error;
    private long uploadNanos;
    private long executeNanos;
    private long downloadNanos;
    private boolean closed;

    /**
     * Builds the kernels for the OpenCL device with the given {@code cl_device_id} (as Aparapi
     * reports it: {@code OpenCLDevice.getDeviceId()}).
     *
     * @throws IllegalStateException if the OpenCL library cannot be loaded or the kernels do not build
     */
    NativePanelGemm(long deviceId, String deviceDescription) {
        this(deviceId, deviceDescription, source(), SOURCE);
    }

    /** As {@link #NativePanelGemm(long, String)} with the kernels' OpenCL C given ({@code sourceName} names it in errors). */
    NativePanelGemm(long deviceId, String deviceDescription, String source, String sourceName) {
        this.cl = OpenCl.load();
        this.sizes = arena.allocate(JAVA_LONG, 4);
        this.error = arena.allocate(JAVA_INT);
        MemorySegment device = MemorySegment.ofAddress(deviceId);
        MemorySegment devices = arena.allocate(ADDRESS);
        devices.set(ADDRESS, 0, device);
        try {
            this.context = check((MemorySegment) cl.createContext.invokeExact(MemorySegment.NULL, 1, devices,
                MemorySegment.NULL, MemorySegment.NULL, error), "clCreateContext");
            this.queue = check((MemorySegment) cl.createCommandQueue.invokeExact(context, device, 0L, error),
                "clCreateCommandQueue");
            MemorySegment text = arena.allocateFrom(source);
            MemorySegment texts = arena.allocate(ADDRESS);
            texts.set(ADDRESS, 0, text);
            this.program = check((MemorySegment) cl.createProgramWithSource.invokeExact(context, 1, texts,
                MemorySegment.NULL, error), "clCreateProgramWithSource");
            int built = (int) cl.buildProgram.invokeExact(program, 1, devices, arena.allocateFrom(""),
                MemorySegment.NULL, MemorySegment.NULL);
            if (built != CL_SUCCESS) {
                throw new IllegalStateException(sourceName + " did not build for " + deviceDescription + " (OpenCL error "
                    + built + "): " + buildLog(device));
            }
            this.plainKernel = createKernel("panel_gemm");
            this.betaKernel = createKernel("panel_gemm_beta");
        } catch (IllegalStateException e) {
            close();
            throw e;
        } catch (Throwable e) {
            close();
            throw new IllegalStateException("OpenCL panel product on " + deviceDescription + ": " + e, e);
        }
    }

    /**
     * {@code c = alpha * op(A) op(B) (+ beta * c)} on packed panels (see {@code panel_gemm.cl}):
     * {@code aPanels} holds {@code mPad x k}, {@code bPanels} {@code nPad x k}, {@code c} is
     * {@code mPad x nPad} row-major and is read only when {@code beta != 0}.
     */
    void multiply(float[] aPanels, float[] bPanels, float[] c, int mPad, int nPad, int k, float alpha, float beta,
                  int groupRows) {
        if (closed) {
            throw new IllegalStateException("NativePanelGemm is closed");
        }
        long aBytes = (long) mPad * k * Float.BYTES;
        long bBytes = (long) nPad * k * Float.BYTES;
        long cBytes = (long) mPad * nPad * Float.BYTES;
        try {
            long t0 = System.nanoTime();
            write(a, aPanels, aBytes);
            write(b, bPanels, bBytes);
            MemorySegment cMem = this.c.ensure(cBytes);
            if (beta != 0f) {
                write(this.c, c, cBytes);
            }
            long t1 = System.nanoTime();
            MemorySegment kernel = beta != 0f ? betaKernel : plainKernel;
            setMem(kernel, 0, a.mem);
            setMem(kernel, 1, b.mem);
            setMem(kernel, 2, cMem);
            setInt(kernel, 3, k);
            setInt(kernel, 4, nPad);
            setFloat(kernel, 5, alpha);
            if (beta != 0f) {
                setFloat(kernel, 6, beta);
            }
            sizes.setAtIndex(JAVA_LONG, 0, nPad / COLS);   // global: panels of B x panels of A
            sizes.setAtIndex(JAVA_LONG, 1, mPad / ROWS);
            sizes.setAtIndex(JAVA_LONG, 2, 1);             // local: 1 x groupRows
            sizes.setAtIndex(JAVA_LONG, 3, groupRows);
            ok((int) cl.enqueueNdRangeKernel.invokeExact(queue, kernel, 2, MemorySegment.NULL, sizes,
                sizes.asSlice(2 * JAVA_LONG.byteSize()), 0, MemorySegment.NULL, MemorySegment.NULL),
                "clEnqueueNDRangeKernel");
            ok((int) cl.enqueueReadBuffer.invokeExact(queue, cMem, CL_FALSE, 0L, cBytes, this.c.staging, 0,
                MemorySegment.NULL, MemorySegment.NULL), "clEnqueueReadBuffer");
            ok((int) cl.finish.invokeExact(queue), "clFinish");
            long t2 = System.nanoTime();
            MemorySegment.copy(this.c.staging, JAVA_FLOAT, 0, c, 0, (int) (cBytes / Float.BYTES));
            long t3 = System.nanoTime();
            uploadNanos += t1 - t0;
            executeNanos += t2 - t1;
            downloadNanos += t3 - t2;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("OpenCL panel product: " + e, e);
        }
    }

    long uploadNanos() {
        return uploadNanos;
    }

    long executeNanos() {
        return executeNanos;
    }

    long downloadNanos() {
        return downloadNanos;
    }

    void resetTimes() {
        uploadNanos = 0;
        executeNanos = 0;
        downloadNanos = 0;
    }

    /** Releases the device buffers, kernels, program, queue and context. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            a.release();
            b.release();
            c.release();
            releaseHandle(cl.releaseKernel, plainKernel);
            releaseHandle(cl.releaseKernel, betaKernel);
            releaseHandle(cl.releaseProgram, program);
            releaseHandle(cl.releaseCommandQueue, queue);
            releaseHandle(cl.releaseContext, context);
        } catch (Throwable e) {
            throw new IllegalStateException("releasing the OpenCL panel product: " + e, e);
        } finally {
            arena.close();
        }
    }

    private void write(DeviceBuffer buffer, float[] from, long bytes) throws Throwable {
        MemorySegment mem = buffer.ensure(bytes);
        MemorySegment.copy(from, 0, buffer.staging, JAVA_FLOAT, 0, (int) (bytes / Float.BYTES));
        ok((int) cl.enqueueWriteBuffer.invokeExact(queue, mem, CL_FALSE, 0L, bytes, buffer.staging, 0,
            MemorySegment.NULL, MemorySegment.NULL), "clEnqueueWriteBuffer");
    }

    private void setMem(MemorySegment kernel, int index, MemorySegment mem) throws Throwable {
        ok((int) cl.setKernelArg.invokeExact(kernel, index, ADDRESS.byteSize(),
            MemorySegment.ofArray(new long[] {mem.address()})), "clSetKernelArg");
    }

    private void setInt(MemorySegment kernel, int index, int v) throws Throwable {
        ok((int) cl.setKernelArg.invokeExact(kernel, index, (long) Integer.BYTES,
            MemorySegment.ofArray(new int[] {v})), "clSetKernelArg");
    }

    private void setFloat(MemorySegment kernel, int index, float v) throws Throwable {
        ok((int) cl.setKernelArg.invokeExact(kernel, index, (long) Float.BYTES,
            MemorySegment.ofArray(new float[] {v})), "clSetKernelArg");
    }

    private MemorySegment createKernel(String name) throws Throwable {
        return check((MemorySegment) cl.createKernel.invokeExact(program, arena.allocateFrom(name), error),
            "clCreateKernel " + name);
    }

    private String buildLog(MemorySegment device) throws Throwable {
        MemorySegment size = arena.allocate(JAVA_LONG);
        int status = (int) cl.getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, 0L,
            MemorySegment.NULL, size);
        if (status != CL_SUCCESS) {
            return "(no build log: OpenCL error " + status + ")";
        }
        MemorySegment log = arena.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        status = (int) cl.getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, log.byteSize(), log,
            MemorySegment.NULL);
        return status == CL_SUCCESS ? log.getString(0) : "(no build log: OpenCL error " + status + ")";
    }

    private MemorySegment check(MemorySegment handle, String call) {
        int status = error.get(JAVA_INT, 0);
        if (status != CL_SUCCESS || handle.equals(MemorySegment.NULL)) {
            throw new IllegalStateException(call + " failed with OpenCL error " + status);
        }
        return handle;
    }

    /** Calls an OpenCL {@code clRelease*} function on a handle that was created (not NULL). */
    private static void releaseHandle(MethodHandle releaseFunction, MemorySegment handle) throws Throwable {
        if (!handle.equals(MemorySegment.NULL)) {
            ok((int) releaseFunction.invokeExact(handle), "clRelease");
        }
    }

    private static void ok(int status, String call) {
        if (status != CL_SUCCESS) {
            throw new IllegalStateException(call + " failed with OpenCL error " + status);
        }
    }

    private static String source() {
        try (InputStream in = NativePanelGemm.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + SOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("reading kernel source " + SOURCE + ": " + e, e);
        }
    }

    /** One device buffer, grown to the next power of two when a call needs more room than any before. */
    private final class DeviceBuffer {
        MemorySegment mem = MemorySegment.NULL;
        /** Host memory the transfers go through, of the same capacity; off the Java heap, so it never moves. */
        MemorySegment staging = MemorySegment.NULL;
        private Arena stagingArena;
        long capacity;

        MemorySegment ensure(long bytes) throws Throwable {
            if (bytes <= capacity) {
                return mem;
            }
            release();
            long size = Math.max(64, Long.highestOneBit(bytes - 1) << 1);
            mem = check((MemorySegment) cl.createBuffer.invokeExact(context, CL_MEM_READ_WRITE, size,
                MemorySegment.NULL, error), "clCreateBuffer");
            stagingArena = Arena.ofShared();
            staging = stagingArena.allocate(size, 64);
            capacity = size;
            return mem;
        }

        void release() throws Throwable {
            if (!mem.equals(MemorySegment.NULL)) {
                releaseHandle(cl.releaseMemObject, mem);
                mem = MemorySegment.NULL;
                stagingArena.close();
                staging = MemorySegment.NULL;
                capacity = 0;
            }
        }
    }

    /** The OpenCL C functions used, bound once per JVM. */
    private record OpenCl(MethodHandle createContext, MethodHandle createCommandQueue,
                          MethodHandle createProgramWithSource, MethodHandle buildProgram,
                          MethodHandle getProgramBuildInfo, MethodHandle createKernel, MethodHandle createBuffer,
                          MethodHandle setKernelArg, MethodHandle enqueueWriteBuffer, MethodHandle enqueueReadBuffer,
                          MethodHandle enqueueNdRangeKernel, MethodHandle finish, MethodHandle releaseMemObject,
                          MethodHandle releaseKernel, MethodHandle releaseProgram, MethodHandle releaseCommandQueue,
                          MethodHandle releaseContext) {

        private static OpenCl instance;

        static synchronized OpenCl load() {
            if (instance == null) {
                instance = bind();
            }
            return instance;
        }

        private static OpenCl bind() {
            SymbolLookup lib;
            try {
                lib = SymbolLookup.libraryLookup("libOpenCL.so.1", Arena.global());
            } catch (IllegalArgumentException e) {
                lib = SymbolLookup.libraryLookup("libOpenCL.so", Arena.global());
            }
            Binder f = new Binder(lib);
            FunctionDescriptor status1 = FunctionDescriptor.of(JAVA_INT, ADDRESS);
            // cl_int clEnqueue{Read,Write}Buffer(queue, mem, blocking, offset, size, ptr, nEvents, waitList, event)
            FunctionDescriptor transfer = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG,
                JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
            return new OpenCl(
                f.bind("clCreateContext", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                    ADDRESS)),
                f.bind("clCreateCommandQueue", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS)),
                f.bind("clCreateProgramWithSource", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
                    ADDRESS, ADDRESS)),
                f.bind("clBuildProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS,
                    ADDRESS, ADDRESS)),
                f.bind("clGetProgramBuildInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                    JAVA_LONG, ADDRESS, ADDRESS)),
                f.bind("clCreateKernel", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS)),
                f.bind("clCreateBuffer", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS,
                    ADDRESS)),
                f.critical("clSetKernelArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS)),
                f.critical("clEnqueueWriteBuffer", transfer),
                f.critical("clEnqueueReadBuffer", transfer),
                f.bind("clEnqueueNDRangeKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                    ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS)),
                f.bind("clFinish", status1),
                f.bind("clReleaseMemObject", status1),
                f.bind("clReleaseKernel", status1),
                f.bind("clReleaseProgram", status1),
                f.bind("clReleaseCommandQueue", status1),
                f.bind("clReleaseContext", status1));
        }
    }

    /** Looks up OpenCL functions and makes downcall handles for them. */
    private record Binder(SymbolLookup lib) {

        MethodHandle bind(String name, FunctionDescriptor descriptor) {
            return Linker.nativeLinker().downcallHandle(symbol(name), descriptor);
        }

        /** A handle that may be given Java arrays: the GC cannot move them while the call runs. */
        MethodHandle critical(String name, FunctionDescriptor descriptor) {
            return Linker.nativeLinker().downcallHandle(symbol(name), descriptor, Linker.Option.critical(true));
        }

        private MemorySegment symbol(String name) {
            return lib.find(name).orElseThrow(() -> new IllegalStateException("the OpenCL library has no " + name));
        }
    }
}
