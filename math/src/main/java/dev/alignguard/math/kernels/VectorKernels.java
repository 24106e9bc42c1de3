package dev.alignguard.math.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import dev.alignguard.math.linalg.Vec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast CPU backend: SIMD through the Vector API ({@code jdk.incubator.vector}) and threads: the
 * calling thread plus {@code threads - 1} workers of its own {@link ForkJoinPool} (not the common
 * pool, which other code may be using).
 *
 * <p>The matrix product follows the BLIS/GotoBLAS layering (see the comment above {@link #gemm}):
 * for each {@code KC}-deep slice of the inner dimension, A and B are packed into contiguous
 * micro-panels (which also absorbs the transposes, offsets and alpha), then a {@code MR x NR}
 * register-blocked micro-kernel of FMA instructions sweeps the output tiles. {@code NR} is two SIMD
 * vectors wide and {@code MR = 12} rows, so the kernel keeps 24 accumulators in registers and does
 * 24 FMAs per 2 vector loads and 12 broadcasts. The shape is chosen for AVX-512 (32 vector
 * registers, as on this project's machines); with 16 registers (AVX2) it stays correct but spills.
 *
 * <p>Threads split the packing over panels and the output over tiles; every output element is still
 * summed in the same order (k ascending, in KC slices), so results do not depend on the thread count.
 */
public final class VectorKernels implements Kernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();

    /** The threads - 1 helpers of the calling thread; null when threads == 1. */
    private final ForkJoinPool pool;
    private final int threads;

    /** A backend that runs on {@code threads} threads: the caller and {@code threads - 1} pool workers. */
    public VectorKernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads > 1 ? new ForkJoinPool(threads - 1) : null;
    }

    /** A backend with one worker per available core. */
    public VectorKernels() {
        this(Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public String device() {
        return "cpu (" + threads + " threads, " + S.vectorBitSize() + "-bit SIMD, " + LANES + " floats per vector)";
    }

    public int threads() {
        return threads;
    }

    // ---------------------------------------------------------------- matrix product
    //
    // Layering (BLIS / GotoBLAS), from the outside in:
    //
    //   gemm         for each KC-deep slice of the inner dimension, in order (this fixes the order in
    //                which every C element is summed), two parallel rounds:
    //     pack         alpha * op(A) into MR-row micro-panels and op(B) into NR-column micro-panels
    //                  (jobs: chunks of panels). Packing absorbs transposes, offsets, leading dimensions
    //                  and alpha, so the kernel only sees contiguous panels; one slice of both, about
    //                  (m + n) * KC floats, stays in L2/L3 until the sweep reads it.
    //     sweep        the output tiles (jobs: tiles). A tile is a block of about MC rows (its packed
    //                  A stays in L2) times a range of B panels; only whole tiles are shared out, so
    //                  each C element belongs to exactly one job.
    //       sweep        for each B micro-panel of the tile (KC x NR, stays in L1),
    //                      for each A micro-panel of the tile (MR x KC, streams from L2):
    //         microKernel    C[MR x NR] = C + Apanel * Bpanel, MR x NR accumulators held in registers.
    //
    // In a round the calling thread and threads - 1 pool workers take jobs from a shared counter
    // (parallelFor); a round costs a few microseconds to start and end.
    //
    // The result does not depend on the number of threads or on which thread ran which job: each C
    // element is summed k-ascending, slice by slice, by the same kernel code. beta is folded into the
    // first slice: its accumulators start from 0 (beta == 0: C is not read), from C (beta == 1) or
    // from beta * C; later slices start from C.

    /** Micro-tile rows: 12 broadcasts of A per step. */
    static final int MR = 12;
    /** Micro-tile columns: two vectors, so the kernel holds 24 accumulators + 2 B vectors + 1 broadcast in the 32 registers. */
    static final int NR = 2 * LANES;
    /** Depth of one packed slice: a KC x NR panel of B (32 KiB at 16 lanes) stays in L1. */
    static final int KC = 256;
    /** Rows per tile (a multiple of MR): MC x KC of packed A (144 KiB) stays in L2. */
    static final int MC = 12 * MR;
    /** Below this many multiply-adds (about 80^3, a few microseconds on one core) a product runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1L << 19;
    /** Aim for this many tiles per thread, so work stealing can even out uneven tiles and stalled workers. */
    private static final int TILES_PER_THREAD = 8;

    /** How a micro-kernel's accumulators start: from zero (C is not read), from C, or from beta * C. */
    private static final int FROM_ZERO = 0, FROM_C = 1, FROM_BETA_C = 2;

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scaleOutput(m, n, beta, c, cOff, ldc);
            return;
        }
        if (NARROW_FITS && alpha == 1f && n <= NARROW_N && m > n && !transA && (beta == 0f || beta == 1f)) {
            gemmNarrow(transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (alpha == 1f && n <= NR / 4 && m > n) {
            gemmTransposed(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int mPanels = ceilDiv(m, MR);
        int nPanels = ceilDiv(n, NR);
        int panels = mPanels + nPanels;
        // Packed A: micro-panel ip at ip * MR * KC, MR rows of KC slots (the kernel's constant row stride).
        // Packed B: micro-panel jp at jp * NR * kc, kc steps of NR values.
        PackBuffers buffers = PackBuffers.take(mPanels * MR * KC, nPanels * NR * Math.min(k, KC));
        float[] aPack = buffers.a;
        float[] bPack = buffers.b;
        boolean parallel = threads > 1 && (long) m * n * k >= PARALLEL_THRESHOLD;
        Tiles tiles = new Tiles(mPanels, nPanels, parallel ? threads : 1);
        if (parallel && tiles.rowBlocks() >= 2 * threads && nPanels * NR * Math.min(k, KC) <= ROW_BLOCK_MAX_B) {
            gemmByRowBlocks(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                tiles.rowBlocks(), bPack);
            buffers.giveBack();
            return;
        }
        // Pack jobs go in chunks of a few panels, so that taking one costs little next to the work.
        int chunk = Math.max(1, panels / (8 * threads));
        for (int pc = 0; pc < k; pc += KC) {
            int p0 = pc, kc = Math.min(KC, k - pc);
            int start = pc > 0 ? FROM_C : beta == 0f ? FROM_ZERO : beta == 1f ? FROM_C : FROM_BETA_C;
            RangeBody pack = (lo, hi) -> {
                for (int panel = lo; panel < hi; panel++) {
                    if (panel < mPanels) {
                        packA(transA, m, panel, kc, p0, alpha, a, aOff, lda, aPack, panel * MR * KC);
                    } else {
                        int jp = panel - mPanels;
                        packB(transB, n, jp, kc, p0, b, bOff, ldb, bPack, jp * NR * kc);
                    }
                }
            };
            if (parallel) {
                parallelFor(ceilDiv(panels, chunk), i -> pack.run(i * chunk, Math.min(panels, (i + 1) * chunk)));
                parallelFor(tiles.count(), t -> sweep(tiles, t, m, n, kc, aPack, bPack, start, beta, c, cOff, ldc));
            } else {
                pack.run(0, panels);
                for (int t = 0; t < tiles.count(); t++) {
                    sweep(tiles, t, m, n, kc, aPack, bPack, start, beta, c, cOff, ldc);
                }
            }
        }
        buffers.giveBack();
    }

    /**
     * The tall products of a training step (m = batch x seq rows, n and k a few hundred) in one
     * parallel round per KC slice instead of two: the calling thread packs the slice of B, then each
     * job takes a block of about MC rows, packs its own A panels into a buffer of its thread and
     * sweeps every B panel. A round costs a hand-off to a worker that may have to wake up (tens of
     * microseconds on a VM), as much as a whole product of this size takes; halving the rounds
     * pays. Each C element is computed by the same kernel from the same packed values in the same
     * order as on the two-round path (and on one thread), so the bits do not change.
     */
    private void gemmByRowBlocks(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float beta, float[] c, int cOff, int ldc, int rowBlocks, float[] bPack) {
        int mPanels = ceilDiv(m, MR), nPanels = ceilDiv(n, NR);
        Tiles blocks = new Tiles(mPanels, nPanels, rowBlocks, 1); // one tile per row block, all columns
        for (int pc = 0; pc < k; pc += KC) {
            int p0 = pc, kc = Math.min(KC, k - pc);
            int start = pc > 0 ? FROM_C : beta == 0f ? FROM_ZERO : beta == 1f ? FROM_C : FROM_BETA_C;
            for (int jp = 0; jp < nPanels; jp++) {
                packB(transB, n, jp, kc, p0, b, bOff, ldb, bPack, jp * NR * kc);
            }
            parallelFor(rowBlocks, t -> {
                int ip0 = blocks.aStart(t), ip1 = blocks.aEnd(t);
                float[] aPack = rowBlockBuffer((ip1 - ip0) * MR * KC);
                for (int ip = ip0; ip < ip1; ip++) {
                    packA(transA, m, ip, kc, p0, alpha, a, aOff, lda, aPack, (ip - ip0) * MR * KC);
                }
                // the packed block sits at panel offset 0, so the sweep sees panels ip0.. as 0..
                Tiles local = new Tiles(ip1 - ip0, nPanels, 1, 1);
                sweep(local, 0, m - ip0 * MR, n, kc, aPack, bPack, start, beta, c, cOff + ip0 * MR * ldc, ldc);
            });
        }
    }

    /**
     * Largest packed B slice (floats) for {@link #gemmByRowBlocks}: 512 KiB, which the row-block jobs
     * re-read from L2/L3. Wider products (n >= 512) keep the two-round path, whose tiles also split
     * the columns and whose B packing is shared out (measured: 1024^3 was slower by row blocks).
     */
    private static final int ROW_BLOCK_MAX_B = 1 << 17;

    /** Per-thread packed A of one row block (at most about MC x KC floats). */
    private static final ThreadLocal<float[]> ROW_BLOCK_A = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] rowBlockBuffer(int floats) {
        float[] buf = ROW_BLOCK_A.get();
        if (buf.length < floats) {
            buf = new float[floats];
            ROW_BLOCK_A.set(buf);
        }
        return buf;
    }

    /** The narrow path's vectors: 8 lanes, one per column of C (half of an AVX-512 register). */
    private static final VectorSpecies<Float> NARROW = FloatVector.SPECIES_256;
    /** Whether the hardware's vectors hold the narrow path's 8 lanes (otherwise the API would emulate them, slowly). */
    private static final boolean NARROW_FITS = S.vectorBitSize() >= 256;
    /** Widest C the narrow path takes: one {@link #NARROW} vector per row. */
    static final int NARROW_N = 8;
    /** Rows of C per step of the narrow path: eight independent fma chains in flight. */
    private static final int NARROW_ROWS = 8;
    /** Per-thread packed op(B) of the narrow path (k x 8). */
    private static final ThreadLocal<float[]> NARROW_B = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * A narrow C (n <= 8) whose op(A) rows lie contiguous in memory (not transposed), with alpha 1 and
     * beta 0 or 1: LoRA's {@code x A^T} and {@code d(x A^T) += d(x A^T B^T) B}. Each row of C is one
     * 8-lane vector, summed over p ascending as {@code fma(broadcast(op(A)(i, p)), op(B)(p, 0..8), acc)}
     * from 0 (beta 0) or from C (beta 1): for every element the micro-kernel's chain (the same
     * products, commuted at most, in the same order from the same start), so the same bits as the
     * packed routes (NarrowGemmTest), without packing op(A) (it is read row by row where it is
     * stored) and without the 24 padding columns of a micro-tile, or {@link #gemmTransposed}'s
     * transposing copies. Rows go eight at a time, so eight chains are in flight. It runs on the
     * calling thread: at LoRA's sizes ({@code 1024 x 8 x 128}) the whole product takes about as long as
     * waking a worker for a parallel round.
     */
    private static void gemmNarrow(boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                                   float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        float[] bt = NARROW_B.get();
        if (bt.length < k * NARROW_N) {
            bt = new float[k * NARROW_N];
            NARROW_B.set(bt);
        }
        java.util.Arrays.fill(bt, 0, k * NARROW_N, 0f);           // op(B) as k x 8, columns past n zero
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                bt[p * NARROW_N + j] = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
            }
        }
        for (int i0 = 0; i0 < m; i0 += NARROW_ROWS) {
            narrowRows(i0, Math.min(m, i0 + NARROW_ROWS), n, k, a, aOff, lda, bt, beta == 1f, c, cOff, ldc);
        }
    }

    /**
     * Rows i0 .. i1 (at most {@link #NARROW_ROWS}) of {@link #gemmNarrow}'s C. Full blocks of an
     * 8-column C load and store the rows directly; anything else goes through a small lane buffer
     * (masked vector loads and stores of this species ran about 20x slower here, not intrinsified).
     */
    private static void narrowRows(int i0, int i1, int n, int k, float[] a, int aOff, int lda, float[] bt,
                                   boolean fromC, float[] c, int cOff, int ldc) {
        if (i1 - i0 < NARROW_ROWS || n < NARROW_N) {
            for (int i = i0; i < i1; i++) {
                narrowRow(i, n, k, a, aOff, lda, bt, fromC, c, cOff, ldc);
            }
            return;
        }
        int r0 = cOff + i0 * ldc, a0 = aOff + i0 * lda;
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        if (fromC) {
            c0 = FloatVector.fromArray(NARROW, c, r0);
            c1 = FloatVector.fromArray(NARROW, c, r0 + ldc);
            c2 = FloatVector.fromArray(NARROW, c, r0 + 2 * ldc);
            c3 = FloatVector.fromArray(NARROW, c, r0 + 3 * ldc);
            c4 = FloatVector.fromArray(NARROW, c, r0 + 4 * ldc);
            c5 = FloatVector.fromArray(NARROW, c, r0 + 5 * ldc);
            c6 = FloatVector.fromArray(NARROW, c, r0 + 6 * ldc);
            c7 = FloatVector.fromArray(NARROW, c, r0 + 7 * ldc);
        } else {
            FloatVector z = FloatVector.zero(NARROW);
            c0 = z;
            c1 = z;
            c2 = z;
            c3 = z;
            c4 = z;
            c5 = z;
            c6 = z;
            c7 = z;
        }
        for (int p = 0; p < k; p++) {
            FloatVector bv = FloatVector.fromArray(NARROW, bt, p * NARROW_N);
            int ai = a0 + p;
            c0 = FloatVector.broadcast(NARROW, a[ai]).fma(bv, c0);
            c1 = FloatVector.broadcast(NARROW, a[ai + lda]).fma(bv, c1);
            c2 = FloatVector.broadcast(NARROW, a[ai + 2 * lda]).fma(bv, c2);
            c3 = FloatVector.broadcast(NARROW, a[ai + 3 * lda]).fma(bv, c3);
            c4 = FloatVector.broadcast(NARROW, a[ai + 4 * lda]).fma(bv, c4);
            c5 = FloatVector.broadcast(NARROW, a[ai + 5 * lda]).fma(bv, c5);
            c6 = FloatVector.broadcast(NARROW, a[ai + 6 * lda]).fma(bv, c6);
            c7 = FloatVector.broadcast(NARROW, a[ai + 7 * lda]).fma(bv, c7);
        }
        c0.intoArray(c, r0);
        c1.intoArray(c, r0 + ldc);
        c2.intoArray(c, r0 + 2 * ldc);
        c3.intoArray(c, r0 + 3 * ldc);
        c4.intoArray(c, r0 + 4 * ldc);
        c5.intoArray(c, r0 + 5 * ldc);
        c6.intoArray(c, r0 + 6 * ldc);
        c7.intoArray(c, r0 + 7 * ldc);
    }

    /** One row of {@link #gemmNarrow}'s C through a lane buffer (n < 8, or the last rows). */
    private static void narrowRow(int i, int n, int k, float[] a, int aOff, int lda, float[] bt,
                                  boolean fromC, float[] c, int cOff, int ldc) {
        int row = cOff + i * ldc;
        float[] lanes = new float[NARROW_N];
        if (fromC) {
            System.arraycopy(c, row, lanes, 0, n);
        }
        FloatVector acc = FloatVector.fromArray(NARROW, lanes, 0);
        int ai = aOff + i * lda;
        for (int p = 0; p < k; p++) {
            acc = FloatVector.broadcast(NARROW, a[ai + p]).fma(FloatVector.fromArray(NARROW, bt, p * NARROW_N), acc);
        }
        acc.intoArray(lanes, 0);
        System.arraycopy(lanes, 0, c, row, n);
    }

    /**
     * A narrow C (n at most a quarter of the NR-wide micro-tile, as LoRA's {@code x A^T} with n = r,
     * where the micro-kernel would compute mostly padding) through its transpose:
     * {@code C^T[n x m] = op(B)^T op(A)^T} into a scratch, then copied back. Each element is the same
     * fma chain (products commute; alpha is 1, so nothing is folded into either operand) from the
     * same start (C is copied in when beta is not 0), so the bits are those of the direct route.
     */
    private void gemmTransposed(boolean transA, boolean transB, int m, int n, int k,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc) {
        float[] ct = new float[n * m]; // C^T: n x m
        if (beta != 0f) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    ct[j * m + i] = c[cOff + i * ldc + j];
                }
            }
        }
        gemm(!transB, !transA, n, m, k, 1f, b, bOff, ldb, a, aOff, lda, beta, ct, 0, m);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[cOff + i * ldc + j] = ct[j * m + i];
            }
        }
    }

    /**
     * The packed panels of one call, kept per calling thread so that repeated products do not
     * allocate (and zero) them each time. A call takes its thread's buffers out of the thread-local
     * slot while it runs, so a nested or concurrent call can never share them; buffers above
     * {@link #KEEP_FLOATS} floats are not kept. Nothing relies on their contents: packing writes
     * every slot the kernel reads.
     */
    private static final class PackBuffers {
        private static final int KEEP_FLOATS = 1 << 22;
        private static final ThreadLocal<PackBuffers> CACHE = new ThreadLocal<>();

        float[] a = new float[0];
        float[] b = new float[0];

        static PackBuffers take(int aFloats, int bFloats) {
            PackBuffers buf = CACHE.get();
            if (buf == null) {
                buf = new PackBuffers();
            } else {
                CACHE.remove();
            }
            if (buf.a.length < aFloats) {
                buf.a = new float[aFloats];
            }
            if (buf.b.length < bFloats) {
                buf.b = new float[bFloats];
            }
            return buf;
        }

        void giveBack() {
            if (a.length <= KEEP_FLOATS && b.length <= KEEP_FLOATS) {
                CACHE.set(this);
            }
        }
    }

    /** A loop body over an index range. */
    @FunctionalInterface
    private interface RangeBody {
        void run(int lo, int hi);
    }

    /**
     * Runs {@code body(i)} for every i in [0, count) on the calling thread and up to threads - 1 pool
     * workers, all taking indices from one shared counter (dynamic scheduling), and returns when every
     * index is done. The caller works rather than blocking, so a worker that is slow to start (an idle
     * core of a virtual machine can take a long time to wake, and a shared machine may not have one
     * free) delays nothing: the others just take more indices, and a worker that starts after the
     * last index was taken finds nothing to do. Which thread ran which index does not change any
     * result, as the indices write disjoint data. An exception in any index is rethrown here.
     */
    private void parallelFor(int count, IntConsumer body) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < count;) {
                try {
                    if (failure.get() == null) {
                        body.accept(i);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.incrementAndGet(); // publishes the index's writes to whoever reads done
                }
            }
        };
        for (int h = Math.min(threads - 1, count - 1); h > 0; h--) {
            pool.execute(worker);
        }
        worker.run();
        // What is left are the indices other threads are still running: at most one tile each.
        for (int spins = 0; done.get() < count; spins++) {
            if (spins < 1 << 10) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException r) {
            throw r;
        } else if (e instanceof Error err) {
            throw err;
        } else if (e != null) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The output grid: {@code rowBlocks x colChunks} tiles, each a range of A micro-panels (at most
     * about MC rows, so its packed A stays in L2) times a range of B micro-panels. Ranges are split as
     * evenly as whole panels allow, and there are about {@link #TILES_PER_THREAD} tiles per thread.
     */
    private record Tiles(int mPanels, int nPanels, int rowBlocks, int colChunks) {
        Tiles(int mPanels, int nPanels, int threads) {
            this(mPanels, nPanels, rowBlocks(mPanels), colChunks(mPanels, nPanels, threads));
        }

        private static int rowBlocks(int mPanels) {
            return ceilDiv(mPanels, MC / MR);
        }

        private static int colChunks(int mPanels, int nPanels, int threads) {
            if (threads == 1) {
                return 1;
            }
            return Math.max(1, Math.min(nPanels, ceilDiv(TILES_PER_THREAD * threads, rowBlocks(mPanels))));
        }

        int count() {
            return rowBlocks * colChunks;
        }

        /** First A micro-panel of tile t's row block; {@code aEnd(t)} is one past its last. */
        int aStart(int t) {
            return (int) ((long) (t / colChunks) * mPanels / rowBlocks);
        }

        int aEnd(int t) {
            return (int) ((long) (t / colChunks + 1) * mPanels / rowBlocks);
        }

        int bStart(int t) {
            return (int) ((long) (t % colChunks) * nPanels / colChunks);
        }

        int bEnd(int t) {
            return (int) ((long) (t % colChunks + 1) * nPanels / colChunks);
        }
    }

    /** Tile t: B panel outer (stays in L1), A panels inner (stream from L2). Edge micro-tiles go through a scratch tile. */
    private static void sweep(Tiles tiles, int t, int m, int n, int kc, float[] aPack, float[] bPack,
                              int start, float beta, float[] c, int cOff, int ldc) {
        float[] edge = null;
        int ip0 = tiles.aStart(t), ip1 = tiles.aEnd(t);
        for (int jp = tiles.bStart(t), jp1 = tiles.bEnd(t); jp < jp1; jp++) {
            int j = jp * NR;
            int nr = Math.min(NR, n - j);
            int bAt = jp * NR * kc;
            for (int ip = ip0; ip < ip1; ip++) {
                int i = ip * MR;
                int mr = Math.min(MR, m - i);
                int aAt = ip * MR * KC;
                if (mr == MR && nr == NR) {
                    microKernel(kc, aPack, aAt, bPack, bAt, c, cOff + i * ldc + j, ldc, start, beta);
                } else {
                    if (edge == null) {
                        edge = new float[MR * NR];
                    }
                    edgeTile(kc, aPack, aAt, bPack, bAt, mr, nr, edge, c, cOff + i * ldc + j, ldc, start, beta);
                }
            }
        }
    }

    /** A partial micro-tile: copy the valid mr x nr part of C into a full scratch tile, run the kernel there, copy back. */
    private static void edgeTile(int kc, float[] aPack, int aAt, float[] bPack, int bAt, int mr, int nr,
                                 float[] edge, float[] c, int cAt, int ldc, int start, float beta) {
        java.util.Arrays.fill(edge, 0f);
        if (start != FROM_ZERO) {
            for (int r = 0; r < mr; r++) {
                System.arraycopy(c, cAt + r * ldc, edge, r * NR, nr);
            }
        }
        microKernel(kc, aPack, aAt, bPack, bAt, edge, 0, NR, start, beta);
        for (int r = 0; r < mr; r++) {
            System.arraycopy(edge, r * NR, c, cAt + r * ldc, nr);
        }
    }

    /**
     * {@code C[MR x NR] = start + Apanel * Bpanel} over one KC slice: the inner loop everything else
     * feeds. For each step p, aPack holds A(i + r, p) at aAt + r * KC + p (r < MR) and bPack the NR values
     * B(p, j..j+NR). The accumulators start from 0, C or beta * C (see {@code start}) and are stored
     * back to C once. Everything is written out by hand, with no helper methods that take or return
     * vectors: once this method is large, C2 stops inlining such helpers and would then box the
     * vectors on the heap on every iteration.
     */
    // @formatter:off: the micro-kernel keeps its hand layout (two accumulators a line, as the register tile is laid out)
    private static void microKernel(int kc, float[] aPack, int aAt, float[] bPack, int bAt,
                                    float[] c, int cAt, int ldc, int start, float beta) {
        FloatVector c00, c01;
        FloatVector c10, c11;
        FloatVector c20, c21;
        FloatVector c30, c31;
        FloatVector c40, c41;
        FloatVector c50, c51;
        FloatVector c60, c61;
        FloatVector c70, c71;
        FloatVector c80, c81;
        FloatVector c90, c91;
        FloatVector ca0, ca1;
        FloatVector cb0, cb1;
        int r0 = cAt;
        int r1 = cAt + 1 * ldc;
        int r2 = cAt + 2 * ldc;
        int r3 = cAt + 3 * ldc;
        int r4 = cAt + 4 * ldc;
        int r5 = cAt + 5 * ldc;
        int r6 = cAt + 6 * ldc;
        int r7 = cAt + 7 * ldc;
        int r8 = cAt + 8 * ldc;
        int r9 = cAt + 9 * ldc;
        int ra = cAt + 10 * ldc;
        int rb = cAt + 11 * ldc;
        if (start == FROM_ZERO) {
            FloatVector z = FloatVector.zero(S);
            c00 = z; c01 = z;
            c10 = z; c11 = z;
            c20 = z; c21 = z;
            c30 = z; c31 = z;
            c40 = z; c41 = z;
            c50 = z; c51 = z;
            c60 = z; c61 = z;
            c70 = z; c71 = z;
            c80 = z; c81 = z;
            c90 = z; c91 = z;
            ca0 = z; ca1 = z;
            cb0 = z; cb1 = z;
        } else {
            c00 = FloatVector.fromArray(S, c, r0); c01 = FloatVector.fromArray(S, c, r0 + LANES);
            c10 = FloatVector.fromArray(S, c, r1); c11 = FloatVector.fromArray(S, c, r1 + LANES);
            c20 = FloatVector.fromArray(S, c, r2); c21 = FloatVector.fromArray(S, c, r2 + LANES);
            c30 = FloatVector.fromArray(S, c, r3); c31 = FloatVector.fromArray(S, c, r3 + LANES);
            c40 = FloatVector.fromArray(S, c, r4); c41 = FloatVector.fromArray(S, c, r4 + LANES);
            c50 = FloatVector.fromArray(S, c, r5); c51 = FloatVector.fromArray(S, c, r5 + LANES);
            c60 = FloatVector.fromArray(S, c, r6); c61 = FloatVector.fromArray(S, c, r6 + LANES);
            c70 = FloatVector.fromArray(S, c, r7); c71 = FloatVector.fromArray(S, c, r7 + LANES);
            c80 = FloatVector.fromArray(S, c, r8); c81 = FloatVector.fromArray(S, c, r8 + LANES);
            c90 = FloatVector.fromArray(S, c, r9); c91 = FloatVector.fromArray(S, c, r9 + LANES);
            ca0 = FloatVector.fromArray(S, c, ra); ca1 = FloatVector.fromArray(S, c, ra + LANES);
            cb0 = FloatVector.fromArray(S, c, rb); cb1 = FloatVector.fromArray(S, c, rb + LANES);
            if (start == FROM_BETA_C) {
                c00 = c00.mul(beta); c01 = c01.mul(beta);
                c10 = c10.mul(beta); c11 = c11.mul(beta);
                c20 = c20.mul(beta); c21 = c21.mul(beta);
                c30 = c30.mul(beta); c31 = c31.mul(beta);
                c40 = c40.mul(beta); c41 = c41.mul(beta);
                c50 = c50.mul(beta); c51 = c51.mul(beta);
                c60 = c60.mul(beta); c61 = c61.mul(beta);
                c70 = c70.mul(beta); c71 = c71.mul(beta);
                c80 = c80.mul(beta); c81 = c81.mul(beta);
                c90 = c90.mul(beta); c91 = c91.mul(beta);
                ca0 = ca0.mul(beta); ca1 = ca1.mul(beta);
                cb0 = cb0.mul(beta); cb1 = cb1.mul(beta);
            }
        }
        for (int p = 0; p < kc; p++) {
            int ai = aAt + p;
            int bi = bAt + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bPack, bi);
            FloatVector b1 = FloatVector.fromArray(S, bPack, bi + LANES);
            FloatVector x;
            x = FloatVector.broadcast(S, aPack[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, aPack[ai + KC]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, aPack[ai + 2 * KC]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, aPack[ai + 3 * KC]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, aPack[ai + 4 * KC]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, aPack[ai + 5 * KC]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, aPack[ai + 6 * KC]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, aPack[ai + 7 * KC]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(S, aPack[ai + 8 * KC]); c80 = x.fma(b0, c80); c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(S, aPack[ai + 9 * KC]); c90 = x.fma(b0, c90); c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(S, aPack[ai + 10 * KC]); ca0 = x.fma(b0, ca0); ca1 = x.fma(b1, ca1);
            x = FloatVector.broadcast(S, aPack[ai + 11 * KC]); cb0 = x.fma(b0, cb0); cb1 = x.fma(b1, cb1);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + LANES);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + LANES);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + LANES);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + LANES);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + LANES);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + LANES);
        c60.intoArray(c, r6); c61.intoArray(c, r6 + LANES);
        c70.intoArray(c, r7); c71.intoArray(c, r7 + LANES);
        c80.intoArray(c, r8); c81.intoArray(c, r8 + LANES);
        c90.intoArray(c, r9); c91.intoArray(c, r9 + LANES);
        ca0.intoArray(c, ra); ca1.intoArray(c, ra + LANES);
        cb0.intoArray(c, rb); cb1.intoArray(c, rb + LANES);
    }

    /**
     * Packs alpha * op(A)[i0..i0+MR, pc..pc+kc) (i0 = panel * MR) at aPack[at..]: MR rows
     * of KC slots each (the stride is the constant KC whatever kc is, so the kernel's MR broadcasts
     * are one index register plus constant displacements), rows past m zero.
     */
    private static void packA(boolean transA, int m, int panel, int kc, int pc, float alpha,
                              float[] a, int aOff, int lda, float[] aPack, int at) {
        int i0 = panel * MR;
        int mr = Math.min(MR, m - i0);
        if (mr < MR) {
            java.util.Arrays.fill(aPack, at + mr * KC, at + MR * KC, 0f);
        }
        if (transA) {
            // A stored k x m: the mr values of one step are contiguous; scatter them over the rows.
            for (int p = 0; p < kc; p++) {
                int src = aOff + (pc + p) * lda + i0;
                for (int r = 0; r < mr; r++) {
                    aPack[at + r * KC + p] = alpha * a[src + r];
                }
            }
        } else {
            // A stored m x k: each packed row is a contiguous copy of part of a row of A.
            for (int r = 0; r < mr; r++) {
                int src = aOff + (i0 + r) * lda + pc;
                int dst = at + r * KC;
                if (alpha == 1f) {
                    System.arraycopy(a, src, aPack, dst, kc);
                } else {
                    for (int p = 0; p < kc; p++) {
                        aPack[dst + p] = alpha * a[src + p];
                    }
                }
            }
        }
    }

    /** Packs op(B)[pc..pc+kc, j0..j0+NR) (j0 = panel * NR) at bPack[at..]: kc steps of NR values, columns past n zero. */
    private static void packB(boolean transB, int n, int panel, int kc, int pc, float[] b, int bOff, int ldb,
                              float[] bPack, int at) {
        int j0 = panel * NR;
        int nr = Math.min(NR, n - j0);
        if (nr < NR) {
            java.util.Arrays.fill(bPack, at, at + NR * kc, 0f);
        }
        if (transB) {
            // B stored n x k: walk each column of op(B) (a row of B) contiguously, writing every NR-th slot.
            for (int q = 0; q < nr; q++) {
                int src = bOff + (j0 + q) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    bPack[at + p * NR + q] = b[src + p];
                }
            }
        } else {
            // B stored k x n: each step is a contiguous run of nr values (two vector moves when full).
            for (int p = 0; p < kc; p++) {
                int src = bOff + (pc + p) * ldb + j0;
                int dst = at + p * NR;
                if (nr == NR) {
                    FloatVector.fromArray(S, b, src).intoArray(bPack, dst);
                    FloatVector.fromArray(S, b, src + LANES).intoArray(bPack, dst + LANES);
                } else {
                    System.arraycopy(b, src, bPack, dst, nr);
                }
            }
        }
    }
    // @formatter:on

    /** C = beta * C, with beta == 0 writing zeros without reading C (only used when k == 0 or alpha == 0). */
    private static void scaleOutput(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    // ---------------------------------------------------------------- vector ops

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
        }
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void add(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, xOff + i).add(FloatVector.fromArray(S, y, yOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] + y[yOff + i];
        }
    }

    @Override
    public void mul(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, xOff + i).mul(FloatVector.fromArray(S, y, yOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * y[yOff + i];
        }
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            acc = acc.add(FloatVector.fromArray(S, x, xOff + i));
        }
        float s = sumLanesInOrder(acc);
        for (; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            acc = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc);
        }
        float s = sumLanesInOrder(acc);
        for (; i < n; i++) {
            s = Math.fma(x[xOff + i], y[yOff + i], s);
        }
        return s;
    }

    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        return dot(n, x, xOff, x, xOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float[] x, int off, int ld, boolean causal) {
        for (int r = 0; r < rows; r++) {
            softmaxRow(x, off + r * ld, causal ? Kernels.causalLimit(r, rows, cols) : cols, cols);
        }
    }

    /** Softmax of {@code x[row..row+limit)} in place, {@code x[row+limit..row+cols)} set to 0. */
    static void softmaxRow(float[] x, int row, int limit, int cols) {
        float max = max(limit, x, row);
        float total = 0f;
        for (int j = 0; j < limit; j++) {
            float e = (float) Math.exp(x[row + j] - max);
            x[row + j] = e;
            total += e;
        }
        float inv = 1f / total;
        int i = 0;
        for (int bound = S.loopBound(limit); i < bound; i += LANES) {
            FloatVector.fromArray(S, x, row + i).mul(inv).intoArray(x, row + i);
        }
        for (; i < limit; i++) {
            x[row + i] *= inv;
        }
        java.util.Arrays.fill(x, row + limit, row + cols, 0f);
    }

    // ---------------------------------------------------------------- attention

    /** Per-thread scratch of the fused attention: transposes and dP, grown on demand. */
    private static final ThreadLocal<float[][]> ATTENTION_SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int slot, int floats) {
        float[][] s = ATTENTION_SCRATCH.get();
        if (s[slot].length < floats) {
            s[slot] = new float[floats];
        }
        return s[slot];
    }

    /** Fused ({@link FusedAttention}), jobs (sequence, kv head) shared out over the threads: same bits as the reference composition. */
    @Override
    public void causalAttention(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                float[] q, float[] k, float[] v, float[] out, float[] probs) {
        IntConsumer job = j -> FusedAttention.forward(j / kvHeads, j % kvHeads, seq, heads, kvHeads, hd, scale, q, k, v,
            out, probs, scratch(0, hd * seq));
        forEachJob(batch * kvHeads, (long) batch * heads * seq * seq * hd, job);
    }

    @Override
    public void causalAttentionBackward(int batch, int seq, int heads, int kvHeads, int hd, float scale,
                                        float[] q, float[] k, float[] v, float[] probs, float[] dOut,
                                        float[] dq, float[] dk, float[] dv) {
        IntConsumer job = j -> FusedAttention.backward(j / kvHeads, j % kvHeads, seq, heads, kvHeads, hd, scale, q, k, v,
            probs, dOut, dq, dk, dv, scratch(0, hd * seq), scratch(1, seq * seq));
        forEachJob(batch * kvHeads, 2L * batch * heads * seq * seq * hd, job);
    }

    // ---------------------------------------------------------------- RMSNorm

    /** Rows per RMSNorm job. */
    private static final int NORM_ROWS = 64;

    /** The reference rows ({@link Kernels#rmsNormRow}), in jobs of {@link #NORM_ROWS} rows over the threads. */
    @Override
    public void rmsNorm(int n, int c, float[] x, float[] w, float eps, float[] y, float[] inv) {
        forEachJob(ceilDiv(n, NORM_ROWS), (long) n * c * 8, job -> {
            for (int i = job * NORM_ROWS, end = Math.min(n, i + NORM_ROWS); i < end; i++) {
                Kernels.rmsNormRow(i, c, x, w, eps, y, inv);
            }
        });
    }

    /**
     * dw first, on this thread, rows ascending as in the reference but a vector of columns at a
     * time (each column's sum keeps its order, so its bits); then dx, whose rows are independent,
     * over the threads.
     */
    @Override
    public void rmsNormBackward(int n, int c, float[] x, float[] w, float[] inv, float[] dy, float[] dx, float[] dw) {
        if (dw != null) {
            int bound = S.loopBound(c);
            for (int i = 0; i < n; i++) {
                int row = i * c;
                float r = inv[i];
                int j = 0;
                for (; j < bound; j += LANES) {
                    FloatVector xhat = FloatVector.fromArray(S, x, row + j).mul(r);
                    FloatVector.fromArray(S, dw, j).add(FloatVector.fromArray(S, dy, row + j).mul(xhat)).intoArray(dw, j);
                }
                for (; j < c; j++) {
                    dw[j] += dy[row + j] * (x[row + j] * r);
                }
            }
        }
        if (dx != null) {
            forEachJob(ceilDiv(n, NORM_ROWS), (long) n * c * 8, job -> {
                for (int i = job * NORM_ROWS, end = Math.min(n, i + NORM_ROWS); i < end; i++) {
                    Kernels.rmsNormBackwardRow(i, c, x, w, inv, dy, dx);
                }
            });
        }
    }

    /** Rows of the cross-entropy per job: each row's arithmetic is the reference's, on one thread. */
    @Override
    public void crossEntropyRows(int n, int v, float[] logits, int[] targets, boolean[] mask, float[] probs, double[] terms) {
        forEachJob(ceilDiv(n, NORM_ROWS), 8L * n * v, job -> {
            for (int i = job * NORM_ROWS, end = Math.min(n, i + NORM_ROWS); i < end; i++) {
                Kernels.crossEntropyRow(i, v, logits, targets, mask, probs, terms);
            }
        });
    }

    @Override
    public void crossEntropyRowsBackward(int n, int v, float[] probs, int[] targets, boolean[] mask, float scale, float[] dl) {
        forEachJob(ceilDiv(n, NORM_ROWS), (long) n * v, job -> {
            for (int i = job * NORM_ROWS, end = Math.min(n, i + NORM_ROWS); i < end; i++) {
                Kernels.crossEntropyRowBackward(i, v, probs, targets, mask, scale, dl);
            }
        });
    }

    /** Elements of a combination per job: a multiple of every vector width, 32 KiB of each row. */
    private static final int COMBINATION_CHUNK = 4096;

    /**
     * {@link Vec#dots} with its groups of four rows spread over the threads: each result is computed
     * by one thread exactly as the reference computes it, so the bits do not depend on the thread
     * count. The basis is larger than the caches (m x D doubles), so this is memory-bound and gains
     * what a second core's bandwidth gives.
     */
    @Override
    public void dots(double[][] rows, double[] x, double[] out) {
        if (rows.length != out.length) {
            throw new IllegalArgumentException(rows.length + " rows but room for " + out.length + " results");
        }
        for (double[] u : rows) {
            if (u.length != x.length) {
                throw new IllegalArgumentException("length mismatch: " + u.length + " vs " + x.length);
            }
        }
        int m = rows.length;
        forEachJob(ceilDiv(m, 4), (long) m * x.length, job -> Vec.dots(rows, x, out, 4 * job, Math.min(m, 4 * job + 4)));
    }

    /**
     * {@link Vec#addCombination} over ranges of elements on the threads: each element is the
     * reference's chain of fmas, computed by one thread, so the bits do not depend on the thread count.
     */
    @Override
    public void addCombination(double[][] rows, double[] w, double[] out) {
        if (rows.length != w.length) {
            throw new IllegalArgumentException(rows.length + " rows but " + w.length + " weights");
        }
        for (double[] row : rows) {
            if (row.length != out.length) {
                throw new IllegalArgumentException("length mismatch: " + row.length + " vs " + out.length);
            }
        }
        int n = out.length;
        forEachJob(ceilDiv(n, COMBINATION_CHUNK), (long) rows.length * n,
            job -> Vec.addCombination(rows, w, out, job * COMBINATION_CHUNK, Math.min(n, (job + 1) * COMBINATION_CHUNK)));
    }

    /** Jobs that write disjoint outputs: over the threads when there is enough work, else in order here. */
    private void forEachJob(int count, long multiplyAdds, IntConsumer job) {
        if (threads > 1 && count > 1 && multiplyAdds >= PARALLEL_THRESHOLD) {
            parallelFor(count, job);
        } else {
            for (int i = 0; i < count; i++) {
                job.accept(i);
            }
        }
    }

    private static float max(int n, float[] x, int xOff) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            acc = acc.max(FloatVector.fromArray(S, x, xOff + i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[xOff + i]);
        }
        return m;
    }

    /**
     * Adds a vector's lanes in lane order. {@code reduceLanes(ADD)} leaves the order of a
     * floating-point reduction to the implementation, and the JIT's intrinsic and the interpreter's
     * fallback do differ, which would make results depend on when a method got compiled.
     */
    private static float sumLanesInOrder(FloatVector v) {
        float[] lanes = v.toArray();
        float s = 0f;
        for (float l : lanes) {
            s += l;
        }
        return s;
    }

    /**
     * Sigmoid {@code 1 / (1 + exp(-x))} with {@link #exp(FloatVector)}, within a few ulps of the
     * scalar reference and, unlike {@code lanewise(EXP)} (an SVML stub once compiled, {@code Math.exp}
     * per lane before), bit-identical whether the code is interpreted or compiled.
     */
    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] out, int outOff) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int bound = S.loopBound(n); i < bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            one.div(one.add(exp(v.neg()))).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = 1f / (1f + expScalar(-x[xOff + i]));
        }
    }

    // exp(x) = 2^k e^r with k = round(x / ln 2), r = x - k ln 2 in [-ln2/2, ln2/2] (Cody-Waite split of
    // ln 2 so r is exact), e^r by its degree-6 Taylor polynomial in Horner form (truncation
    // r^7/7! < 1.3e-7 relative, about 1 ulp), 2^k built from the exponent bits. Only IEEE
    // add/mul/fma and conversions: the same bits in every execution mode.
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145752f;
    private static final float LN2_LO = 1.42860677e-6f;
    private static final float EXP_MAX = 88.0f;  // k <= 127: 2^k stays finite
    private static final float EXP_MIN = -87.0f; // k >= -126: 2^k stays normal
    private static final float[] EXP_COEFFS = {1f / 720, 1f / 120, 1f / 24, 1f / 6, 0.5f, 1f, 1f};

    /** e^x lane-wise; x is clamped to the range where e^x is a normal float. */
    static FloatVector exp(FloatVector x) {
        x = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector k = roundToNearest(x.mul(LOG2E));
        FloatVector r = k.fma(FloatVector.broadcast(x.species(), -LN2_HI), x);
        r = k.fma(FloatVector.broadcast(x.species(), -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(x.species(), EXP_COEFFS[0]);
        for (int c = 1; c < EXP_COEFFS.length; c++) {
            p = p.fma(r, FloatVector.broadcast(x.species(), EXP_COEFFS[c]));
        }
        IntVector bits = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** Rounds to the nearest integer (ties away from zero), as floats. */
    private static FloatVector roundToNearest(FloatVector v) {
        FloatVector half = FloatVector.broadcast(v.species(), 0.5f);
        FloatVector shifted = v.add(half.blend(half.neg(), v.compare(VectorOperators.LT, 0f)));
        return ((IntVector) shifted.convert(VectorOperators.F2I, 0)).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations in the same order. */
    static float expScalar(float x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float t = x * LOG2E;
        float k = (float) (int) (t + (t < 0f ? -0.5f : 0.5f));
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = EXP_COEFFS[0];
        for (int c = 1; c < EXP_COEFFS.length; c++) {
            p = Math.fma(p, r, EXP_COEFFS[c]);
        }
        return p * Float.intBitsToFloat(((int) k + 127) << 23);
    }
}
