package dev.alignguard.training.trainer;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A terminal progress line for long work: stage, step, loss, rate and time left, refreshed at most
 * a few times a second (carriage return on a terminal, one line per update otherwise).
 */
public final class Progress {

    private final String stage;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final long intervalNanos;
    private long lastPrint;
    private final boolean enabled;

    public Progress(String stage, PrintStream out, double intervalSeconds, boolean enabled) {
        this.stage = stage;
        this.out = out;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        this.enabled = enabled;
    }

    public void update(int done, int total, double loss) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastPrint < intervalNanos) {
            return;
        }
        lastPrint = now;
        double elapsed = (now - start) / 1e9;
        double rate = done / Math.max(elapsed, 1e-9);
        double left = (total - done) / Math.max(rate, 1e-9);
        out.printf(Locale.ROOT, "  [%s] step %d/%d  loss %.4f  %.1f steps/s  %s left%n", stage, done, total, loss, rate,
            formatDuration(left));
    }

    static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
            : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
