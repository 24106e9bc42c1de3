package dev.alignguard.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.cli.AlignGuardCli;
import dev.alignguard.experiments.results.Summary;
import picocli.CommandLine;

class ReportCommandTest {

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new AlignGuardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void rerendersTheReportAndFiguresOfARunDirectory() throws IOException {
        Summary s = SyntheticSummary.good();
        SummaryFiles.writeTo(s, dir);
        Run r = run("report", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + dir.resolve("report.md").toAbsolutePath()), r.out());
        String report = Files.readString(dir.resolve("report.md"));
        assertEquals(ReportWriter.render(s, java.util.List.of(Plots.PARETO, Plots.CURVES, Plots.SPECTRUM, Plots.ABLATION)),
            report);
        PlotsTest.assertPng(dir.resolve(Plots.PARETO), 1100, 750);
        PlotsTest.assertPng(dir.resolve(Plots.CURVES), 1100, 850);
        PlotsTest.assertPng(dir.resolve(Plots.SPECTRUM), 1100, 850);
        assertTrue(Files.size(dir.resolve(Plots.ABLATION)) > 1000);

        // running it again gives the same report
        assertEquals(0, run("report", dir.toString()).code());
        assertEquals(report, Files.readString(dir.resolve("report.md")));
    }

    @Test
    void writeAllWritesSummaryFiguresAndReport() throws IOException {
        Reports.Rendered r = Reports.writeAll(SyntheticSummary.good(), dir.resolve("run"));
        assertTrue(Files.exists(dir.resolve("run/summary.json")));
        assertEquals(dir.resolve("run/report.md").toAbsolutePath(), r.report());
        assertEquals(4, r.figures().size());
    }

    @Test
    void aMissingDirectoryIsAClearError() {
        Path missing = dir.resolve("no-such-run");
        Run r = run("report", missing.toString());
        assertEquals(1, r.code());
        assertEquals("error: run directory not found: " + missing, r.err().strip());
    }

    @Test
    void aMissingOrMalformedSummaryIsAClearError() throws IOException {
        Run r = run("report", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: no summary.json in " + dir), r.err());

        Files.writeString(dir.resolve("summary.json"), "{ \"name\": ");
        Run m = run("report", dir.toString());
        assertEquals(1, m.code());
        assertTrue(m.err().startsWith("error: malformed summary " + dir.resolve("summary.json")), m.err());
        assertTrue(!Files.exists(dir.resolve("report.md")), "nothing written from a malformed summary");

        Path file = dir.resolve("plain-file");
        Files.writeString(file, "x");
        Run f = run("report", file.toString());
        assertEquals(1, f.code());
        assertTrue(f.err().contains("not a directory: " + file), f.err());
    }

    @Test
    void aBadToleranceIsRefused() throws IOException {
        SummaryFiles.writeTo(SyntheticSummary.good(), dir);
        Run r = run("report", "--tolerance", "-1", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--tolerance"), r.err());
        assertEquals(0, run("report", "--tolerance", "0.1", dir.toString()).code());
    }
}
