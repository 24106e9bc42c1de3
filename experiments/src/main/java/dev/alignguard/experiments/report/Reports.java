package dev.alignguard.experiments.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.alignguard.experiments.results.Summary;

/**
 * The report of a run directory in one call: {@code summary.json}, the figures
 * ({@link Plots}) and {@code report.md} ({@link ReportWriter}).
 */
public final class Reports {

    /** What was written: the report and the figures (absolute paths, figures in report order). */
    public record Rendered(Path report, List<Path> figures) {
    }

    private Reports() {
    }

    /** Writes {@code dir/summary.json}, then the figures and the report (what a study calls when it ends). */
    public static Rendered writeAll(Summary summary, Path dir, double tolerance) throws IOException {
        Files.createDirectories(dir);
        SummaryFiles.writeTo(summary, dir);
        return renderFrom(summary, dir, tolerance);
    }

    /** {@link #writeAll(Summary, Path, double)} with the default two-point tolerance. */
    public static Rendered writeAll(Summary summary, Path dir) throws IOException {
        return writeAll(summary, dir, ParetoFrontier.DEFAULT_TOLERANCE);
    }

    /** Writes the figures and the report of {@code summary} into {@code dir} (summary.json untouched). */
    public static Rendered renderFrom(Summary summary, Path dir, double tolerance) throws IOException {
        Files.createDirectories(dir);
        List<String> names = Plots.writeAll(summary, dir, tolerance);
        Path report = ReportWriter.write(summary, dir, names, tolerance);
        List<Path> figures = new ArrayList<>();
        names.forEach(n -> figures.add(dir.resolve(n).toAbsolutePath()));
        return new Rendered(report.toAbsolutePath(), List.copyOf(figures));
    }

    /**
     * Re-renders the report of a run directory from its {@code summary.json}.
     *
     * @throws IOException naming the directory or the file when either is missing or malformed
     */
    public static Rendered render(Path dir, double tolerance) throws IOException {
        if (!Files.exists(dir)) {
            throw new IOException("run directory not found: " + dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("not a directory: " + dir + " (expected a run directory containing "
                + SummaryFiles.FILE_NAME + ")");
        }
        Path file = dir.resolve(SummaryFiles.FILE_NAME);
        if (!Files.exists(file)) {
            throw new IOException("no " + SummaryFiles.FILE_NAME + " in " + dir + " (expected " + file
                + "; a study writes it when it ends)");
        }
        Summary summary = SummaryFiles.read(file);
        if (summary.name() == null || summary.methods() == null || summary.methods().isEmpty()) {
            throw new IOException(file + " is not a run's summary: it has no " + (summary.name() == null ? "\"name\"" : "")
                + (summary.name() == null && (summary.methods() == null || summary.methods().isEmpty()) ? " and no " : "")
                + (summary.methods() == null || summary.methods().isEmpty() ? "\"methods\" (a method per strength)" : "")
                + ", so there is nothing to report (a study writes it when it ends)");
        }
        return renderFrom(summary, dir, tolerance);
    }
}
