package dev.alignguard.model.autodiff;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Float arrays lent to {@link Graph}s and given back when a graph is closed, so that a training
 * loop whose every step builds a graph of the same shape allocates its activations, their
 * gradients and the ops' saved buffers once, in the first step, and reuses them in every step
 * after (no per-step allocation in the hot path).
 *
 * <p>A lent array is zero-filled, exactly as {@code new float[n]}: an op that accumulates into its
 * buffer (a gradient) or leaves part of it untouched (a masked row) sees what it saw with fresh
 * arrays, so pooling cannot change a single bit of any result. The one exception is asked for by
 * name ({@link #takeToOverwrite}): a buffer its taker writes in full before reading it, whose
 * zero-fill would be wasted.
 *
 * <p>Ownership: the graph that took an array owns it until it is closed, then gives it back and
 * detaches every tensor it made ({@link Tensor#data()} then throws), so a buffer cannot be both
 * reused and reachable through a tensor. Code that kept a raw {@code float[]} of a tensor past its
 * graph would still see the array change; a <em>checked</em> pool (tests run with
 * {@code -Dalignguard.buffers.check=true}) fills each returned array with NaN and, when lending it
 * again, fails if anything wrote into it since, and fails when used from a second thread.
 *
 * <p>Not thread-safe: one pool per training loop (per thread). It keeps what it was given (the
 * footprint of the largest graph so far), so use it where shapes repeat; a loop over ever-new
 * shapes (generation of growing length) is better served by fresh arrays.
 */
public final class BufferPool {

    /** Whether pools made by {@link #create()} check their use (set for the test suites). */
    private static final boolean CHECKED_BY_DEFAULT = Boolean.getBoolean("alignguard.buffers.check");

    private final boolean checked;
    private Thread owner;
    private int[] lengths = new int[16];      // distinct array lengths seen, in order of first use
    @SuppressWarnings("unchecked")
    private ArrayDeque<float[]>[] free = new ArrayDeque[16]; // free arrays of lengths[i]
    private int kinds;
    private long createdBytes;
    private long lentArrays;
    private long createdArrays;

    private BufferPool(boolean checked) {
        this.checked = checked;
    }

    /** A pool, checked when the JVM runs with {@code -Dalignguard.buffers.check=true}. */
    public static BufferPool create() {
        return new BufferPool(CHECKED_BY_DEFAULT);
    }

    /** A pool that never checks, whatever the JVM's flag (for tests of what an unchecked pool lends). */
    static BufferPool unchecked() {
        return new BufferPool(false);
    }

    /** A pool that poisons returned arrays and checks them when lent again (for tests). */
    public static BufferPool checked() {
        return new BufferPool(true);
    }

    /** Whether this pool poisons and checks. */
    public boolean isChecked() {
        return checked;
    }

    /** A zero-filled array of length n: a returned one when there is one, else a new one. */
    float[] take(int n) {
        float[] a = reuse(n);
        if (a == null) {
            return create(n);
        }
        Arrays.fill(a, 0f);
        return a;
    }

    /**
     * An array of length n with undefined contents, for a buffer its taker writes in full before
     * anything reads it (an op's output that a matrix product with {@code beta == 0} or an
     * element-wise kernel fills): the zero-fill of {@link #take}, a pass over memory per buffer,
     * would be overwritten unread. A checked pool lends it full of NaN, so an element the taker
     * leaves unwritten shows up as NaN in every result that reads it.
     */
    float[] takeToOverwrite(int n) {
        float[] a = reuse(n);
        if (a == null) {
            a = create(n);
            if (checked) {
                Arrays.fill(a, Float.NaN);
            }
        }
        return a;
    }

    /** A returned array of length n (checked for writes since its return, when checked), or null. */
    private float[] reuse(int n) {
        checkThread();
        lentArrays++;
        int i = kind(n);
        float[] a = i < 0 ? null : free[i].pollLast();
        if (a != null && checked) {
            for (int j = 0; j < a.length; j++) {
                if (!Float.isNaN(a[j])) {
                    throw new IllegalStateException("a pooled buffer of " + n + " floats was written after its graph was"
                        + " closed (index " + j + "): something kept a tensor's array past its graph");
                }
            }
        }
        return a;
    }

    private float[] create(int n) {
        createdArrays++;
        createdBytes += 4L * n;
        return new float[n];
    }

    /** Takes back an array lent by {@link #take}; the caller must hold no reference to it any more. */
    void give(float[] a) {
        checkThread();
        if (checked) {
            Arrays.fill(a, Float.NaN);
        }
        int i = kind(a.length);
        if (i < 0) {
            if (kinds == lengths.length) {
                lengths = Arrays.copyOf(lengths, 2 * kinds);
                free = Arrays.copyOf(free, 2 * kinds);
            }
            lengths[kinds] = a.length;
            free[kinds] = new ArrayDeque<>();
            i = kinds++;
        }
        free[i].addLast(a);
    }

    private int kind(int n) {
        for (int i = 0; i < kinds; i++) {
            if (lengths[i] == n) {
                return i;
            }
        }
        return -1;
    }

    private void checkThread() {
        if (!checked) {
            return;
        }
        Thread t = Thread.currentThread();
        if (owner == null) {
            owner = t;
        } else if (owner != t) {
            throw new IllegalStateException("a BufferPool is not thread-safe: made on " + owner.getName() + ", used on "
                + t.getName() + " (give each thread its own pool)");
        }
    }

    /** Arrays this pool has created, i.e. lendings it could not serve from returned arrays. */
    public long createdArrays() {
        return createdArrays;
    }

    /** Bytes of the arrays this pool has created (its footprint when all are returned). */
    public long createdBytes() {
        return createdBytes;
    }

    /** Arrays lent in all (created or reused). */
    public long lentArrays() {
        return lentArrays;
    }
}
