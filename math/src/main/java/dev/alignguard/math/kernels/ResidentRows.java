package dev.alignguard.math.kernels;

import java.util.Objects;

/**
 * A matrix of double rows (m x d, {@code rows[k]} of length d) handed to a backend once for many
 * products against it ({@link Kernels#dots(ResidentRows, double[], double[])},
 * {@link Kernels#addCombination(ResidentRows, double[], double[])}): a subspace's kept basis for a
 * whole fine-tuning run, the per-example gradients G for one Lanczos estimate. A device backend
 * uploads the rows once, at the first product, and frees them on {@link #close()}; the host
 * backends just keep the reference, so their products are the plain ones, bit for bit.
 *
 * <p><b>Contract.</b> The caller must not change {@code rows} (the outer array or any row) while the
 * handle is open: the device keeps the values it uploaded. With {@code -Dalignguard.buffers.check=true}
 * (the tests run so) the handle takes a fingerprint of every bit at creation and compares it on every
 * use, and a changed matrix fails the product with an {@link IllegalStateException} instead of
 * giving the device's stale answer; the host backends check the same way, so a test on any backend
 * catches a caller that breaks the contract. Without the flag nothing is hashed (the check reads the
 * whole matrix, as the product itself does).
 */
public final class ResidentRows implements AutoCloseable {

    private static final boolean CHECKED_BY_DEFAULT = Boolean.getBoolean("alignguard.buffers.check");

    private final double[][] rows;      // m x d, the caller's; never written here
    private final int cols;
    private final boolean checked;
    private final long fingerprint;     // of every bit, when checked
    private final Runnable release;     // the backend's: frees the device copy (idempotent there)
    private volatile boolean closed;

    private ResidentRows(double[][] rows, boolean checked, Runnable release) {
        Objects.requireNonNull(rows, "rows");
        this.cols = rows.length == 0 ? 0 : requireRow(rows, 0).length;
        for (int k = 0; k < rows.length; k++) {
            if (requireRow(rows, k).length != cols) {
                throw new IllegalArgumentException("resident rows: row " + k + " has length " + rows[k].length
                    + ", expected " + cols + " (the length of row 0)");
            }
        }
        this.rows = rows;
        this.checked = checked;
        this.fingerprint = checked ? fingerprint(rows) : 0;
        this.release = Objects.requireNonNull(release, "release");
    }

    private static double[] requireRow(double[][] rows, int k) {
        if (rows[k] == null) {
            throw new IllegalArgumentException("resident rows: row " + k + " is null");
        }
        return rows[k];
    }

    /** A handle that keeps only the reference (the host backends' {@link Kernels#resident}). */
    public static ResidentRows onHost(double[][] rows) {
        return new ResidentRows(rows, CHECKED_BY_DEFAULT, () -> {
        });
    }

    /** A handle whose device copy {@code release} frees (for a device backend's {@link Kernels#resident}). */
    public static ResidentRows withRelease(double[][] rows, Runnable release) {
        return new ResidentRows(rows, CHECKED_BY_DEFAULT, release);
    }

    /** As {@link #onHost}, checked or not whatever the JVM flag says (for the tests of the check itself). */
    static ResidentRows onHost(double[][] rows, boolean checked) {
        return new ResidentRows(rows, checked, () -> {
        });
    }

    /** m, the number of rows. */
    public int count() {
        return rows.length;
    }

    /** d, the length of every row (0 when there are none). */
    public int cols() {
        return cols;
    }

    /** Whether this handle was made from exactly {@code rows} (the same array object). */
    public boolean holds(double[][] rows) {
        return this.rows == rows;
    }

    /** Whether every use compares the fingerprint ({@code -Dalignguard.buffers.check=true}). */
    public boolean checked() {
        return checked;
    }

    /**
     * The rows, after checking that the handle is open and (when checked) that they are bit for bit
     * the rows it was made from. Callers must still not write them.
     */
    public double[][] rows() {
        if (closed) {
            throw new IllegalStateException("resident rows (" + rows.length + " x " + cols + ") used after close()");
        }
        if (checked && fingerprint(rows) != fingerprint) {
            throw new IllegalStateException("resident rows (" + rows.length + " x " + cols + ") changed after they were"
                + " made resident: a device keeps the values it uploaded, so the caller must not write them while"
                + " the handle is open (make a new handle instead)");
        }
        return rows;
    }

    /** Frees the backend's copy; later products with this handle throw. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return closed;
    }

    /** A 64-bit mix of every row's identity-free bits, in order (any one changed bit changes it but with chance 2^-64). */
    private static long fingerprint(double[][] rows) {
        long h = 0x9E3779B97F4A7C15L ^ rows.length;
        for (double[] row : rows) {
            for (double v : row) {
                h = mix(h ^ Double.doubleToRawLongBits(v));
            }
            h = mix(h ^ row.length);
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
