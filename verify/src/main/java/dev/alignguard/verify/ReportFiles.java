package dev.alignguard.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.alignguard.model.safetensors.AtomicFiles;

/**
 * Writes a {@link VerificationReport} as {@code verification.json} (every field, snake_case) and
 * {@code verification.md} (the same for people: the settings, the failures with their
 * counterexamples and replay commands, a table of every law). Each file is replaced atomically
 * (temporary file, then rename), so a reader never sees half a report.
 */
public final class ReportFiles {

    /** The JSON report's file name. */
    public static final String JSON = "verification.json";

    /** The Markdown report's file name. */
    public static final String MARKDOWN = "verification.md";

    /** The mapper {@code verification.json} is written (and read back, in tests) with. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(SerializationFeature.INDENT_OUTPUT);

    private ReportFiles() {
    }

    /** Writes both files into {@code dir} (created if needed). */
    public static void write(VerificationReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(JSON), MAPPER.writeValueAsBytes(report));
        AtomicFiles.write(dir.resolve(MARKDOWN), markdown(report).getBytes(StandardCharsets.UTF_8));
    }

    /** The Markdown report. */
    static String markdown(VerificationReport r) {
        StringBuilder md = new StringBuilder();
        VerificationReport.Counts c = r.counts();
        md.append("# Verification report\n\n");
        md.append(r.passed() ? "**Every law held: " + c.passed() + " of " + c.laws() + ".**\n\n"
            : "**" + (c.laws() - c.passed()) + " of " + c.laws() + " laws did not hold** (" + c.failed() + " failed, "
                + c.skipped() + " skipped).\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "command", "`" + r.command() + "`");
        row(md, "version", r.version() + ", git commit " + r.gitCommit()
            + (r.gitDirty() == null ? "" : r.gitDirty() ? " (with uncommitted changes)" : " (clean)"));
        row(md, "started", r.started() + ", " + seconds(r.seconds()));
        row(md, "examples", r.tries() != null ? r.tries() + " per law (--tries)"
            : r.intensity() + ": each law's examples in ./test x " + r.examplesFactor());
        row(md, "seed", "fixed".equals(r.seed()) ? "each law's fixed seed (from its name)" : r.seed());
        row(md, "backend", "all".equals(r.backend()) ? "every backend's laws (vector, opencl) against the scalar reference" : r.backend());
        row(md, "model laws", (r.model() == null ? "the tiny model written by `model init`" : "`" + r.model() + "`")
            + " on " + r.modelLawsBackend() + " kernels");
        row(md, "laws selected", r.laws() == null ? "all" : "`" + r.laws() + "`");
        row(md, "JVM", r.jvm());
        row(md, "machine", r.os());
        md.append('\n');

        boolean any = false;
        for (LawResult law : r.results()) {
            if (law.held()) {
                continue;
            }
            if (!any) {
                md.append("## Laws that did not hold\n\n");
                any = true;
            }
            md.append("### ").append(law.law()).append(" (").append(law.result().name().toLowerCase(Locale.ROOT)).append(")\n\n");
            if (law.counterexample() != null) {
                md.append("Smallest counterexample: `").append(law.counterexample().replace("`", "'")).append("`\n\n");
            }
            if (law.message() != null) {
                md.append("```text\n").append(law.message().strip()).append("\n```\n\n");
            }
            if (law.replay() != null) {
                md.append("Replay:\n\n```bash\n").append(law.replay()).append('\n');
                if (law.replayMaven() != null) {
                    md.append(law.replayMaven()).append('\n');
                }
                md.append("```\n\n");
            }
        }

        md.append("## Every law\n\n");
        md.append("Worst error / bound: the largest ratio of an observed error to its bound over the law's bounded checks"
            + " (below 1 when it held); blank for a law without a numeric bound (exact or logical).\n\n");
        md.append("| law | declared in | result | examples | worst error / bound | seconds |\n");
        md.append("|---|---|---|---:|---:|---:|\n");
        for (LawResult law : r.results()) {
            md.append("| `").append(law.law()).append("` | ").append(law.declaredIn() == null ? "" : law.declaredIn())
                .append(" | ").append(law.result().name().toLowerCase(Locale.ROOT))
                .append(" | ").append(law.examplesChecked() == law.examples() ? String.valueOf(law.examples())
                    : law.examplesChecked() + " of " + law.examples())
                .append(" | ").append(law.worstErrorToBound() == null ? "" : ratio(law.worstErrorToBound()))
                .append(" | ").append(String.format(Locale.ROOT, "%.2f", law.seconds())).append(" |\n");
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    static String ratio(double r) {
        if (Double.isInfinite(r)) {
            return "inf";
        }
        return r == 0 ? "0" : String.format(Locale.ROOT, "%.2g", r);
    }

    static String seconds(double s) {
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long total = Math.round(s);
        return total < 3600 ? String.format(Locale.ROOT, "%d min %02d s", total / 60, total % 60)
            : String.format(Locale.ROOT, "%d h %02d min", total / 3600, (total % 3600) / 60);
    }
}
