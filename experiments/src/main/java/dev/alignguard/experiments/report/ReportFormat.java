package dev.alignguard.experiments.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Map;

import dev.alignguard.experiments.results.Stat;

/** Number and text formatting shared by the report and the plots (Locale.ROOT throughout). */
final class ReportFormat {

    /** What a missing or NaN number prints as. */
    static final String NA = "n/a";

    private ReportFormat() {
    }

    static Stat stat(Map<String, Stat> metrics, String key) {
        return metrics == null ? null : metrics.get(key);
    }

    static double mean(Map<String, Stat> metrics, String key) {
        Stat s = stat(metrics, key);
        return s == null ? Double.NaN : s.mean();
    }

    static double ci(Stat s) {
        return s == null ? Double.NaN : s.ci95();
    }

    /** The label of a method summary; when blank: the method, with the strength in brackets when it has one. */
    static String label(String method, double strength, String label) {
        if (label != null && !label.isBlank()) {
            return label;
        }
        String m = method == null ? "?" : method;
        return Double.isNaN(strength) ? m : m + " [" + compact(strength) + "]";
    }

    /** {@code value} with {@code decimals} decimals; "n/a" for NaN; never "-0.0". */
    static String fixed(double value, int decimals) {
        if (Double.isNaN(value)) {
            return NA;
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        String s = String.format(Locale.ROOT, "%." + decimals + "f", value);
        if (s.startsWith("-") && s.chars().skip(1).allMatch(c -> c == '0' || c == '.')) {
            s = s.substring(1);
        }
        return s;
    }

    /** "mean ± ci" of {@code s} scaled by {@code scale}; just the mean when the CI is NaN; "n/a" when absent. */
    static String stat(Stat s, double scale, int decimals) {
        if (s == null || Double.isNaN(s.mean())) {
            return NA;
        }
        String m = fixed(s.mean() * scale, decimals);
        return Double.isFinite(s.ci95()) ? m + " ± " + fixed(s.ci95() * scale, decimals) : m;
    }

    /** A rate in [0, 1] as "87.3 ± 2.1" percent (or percentage points for a difference of rates). */
    static String pct(Stat s) {
        return stat(s, 100, 1);
    }

    /** A number in its natural scale with three decimals (losses). */
    static String plain(Stat s) {
        return stat(s, 1, 3);
    }

    /** A short exact-looking form: integers as integers, four significant digits otherwise. */
    static String compact(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e6) {
            if (v == Math.rint(v)) {
                return Long.toString((long) v);
            }
            return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    /** A markdown table cell: one line, '|' escaped. */
    static String cell(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ').replace("|", "\\|");
    }

    /** Seconds as "1 h 02 min 03 s", "4 min 05 s" or "12.3 s". */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return NA;
        }
        if (seconds < 60) {
            return fixed(seconds, 1) + " s";
        }
        long s = Math.round(seconds);
        long h = s / 3600;
        long min = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d h %02d min %02d s", h, min, sec)
            : String.format(Locale.ROOT, "%d min %02d s", min, sec);
    }
}
