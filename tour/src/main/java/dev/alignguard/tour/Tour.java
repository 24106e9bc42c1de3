package dev.alignguard.tour;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The tour's entry point: {@code ./alignguard tour} lists the chapters, {@code ./alignguard tour N} runs chapter N,
 * {@code ./alignguard tour all} runs them in order. Exit status 1 when a check fails.
 */
public final class Tour {

    /** One chapter: its number, title and what runs it. */
    public record Chapter(int number, String title, ChapterBody body) {
    }

    /** A chapter's body: prints and checks; throws {@link AssertionError} when a check fails. */
    @FunctionalInterface
    public interface ChapterBody {
        void run(PrintStream out) throws Exception;
    }

    public static final List<Chapter> CHAPTERS = List.of(
        new Chapter(1, "LoRA as a low-rank update", Chapter1Lora::run),
        new Chapter(2, "Fisher information by the Gram trick", Chapter2Fisher::run),
        new Chapter(3, "Projectors on vec(dW)", Chapter3Projectors::run),
        new Chapter(4, "The AlignGuard loss term by term", Chapter4Loss::run),
        new Chapter(5, "Drift in thirty seconds", Chapter5Drift::run),
        new Chapter(6, "Reading a report", Chapter6Report::run));

    /** The Fisher estimators log a line per estimate; the chapters print what they show themselves. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("dev.alignguard");

    static {
        QUIET.setLevel(java.util.logging.Level.WARNING);
    }

    private Tour() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        if (args.length == 0) {
            out.println("AlignGuard-J tour (tour/README.md). run one chapter with ./alignguard tour N, all with ./alignguard tour all:");
            for (Chapter c : CHAPTERS) {
                out.printf(Locale.ROOT, "  %d  %s%n", c.number(), c.title());
            }
            return;
        }
        List<Chapter> chosen;
        if (args[0].equals("all")) {
            chosen = CHAPTERS;
        } else {
            int n;
            try {
                n = Integer.parseInt(args[0]);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > CHAPTERS.size()) {
                System.err.println("tour: no chapter '" + args[0] + "'; expected 1.." + CHAPTERS.size() + " or all");
                System.exit(2);
                return;
            }
            chosen = List.of(CHAPTERS.get(n - 1));
        }
        for (Chapter c : chosen) {
            if (!runChapter(c, out)) {
                System.exit(1);
            }
        }
    }

    /** Runs one chapter with a header and its time; false when a check failed. */
    public static boolean runChapter(Chapter c, PrintStream out) {
        out.printf(Locale.ROOT, "%n=== Chapter %d: %s ===%n%n", c.number(), c.title());
        long start = System.nanoTime();
        try {
            c.body().run(out);
        } catch (AssertionError e) {
            out.println("chapter " + c.number() + " FAILED: " + e.getMessage());
            return false;
        } catch (Exception e) {
            out.println("chapter " + c.number() + " FAILED with " + e);
            e.printStackTrace(out);
            return false;
        }
        out.printf(Locale.ROOT, "%nchapter %d: every check holds (%.1f s)%n", c.number(), (System.nanoTime() - start) / 1e9);
        return true;
    }

    /** max_i |a_i - b_i|. */
    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    /** max_i |a_i - b_i|. */
    static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
