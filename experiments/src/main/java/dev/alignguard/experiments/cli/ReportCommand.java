package dev.alignguard.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.alignguard.experiments.report.ParetoFrontier;
import dev.alignguard.experiments.report.Reports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code alignguard report DIR}: re-renders {@code DIR/report.md} and the figures from
 * {@code DIR/summary.json} (for instance after changing the report code, or on a summary copied
 * from another machine). A missing directory or summary, or a malformed one, is reported as one
 * "error: ..." line naming the path, with exit code 1.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Re-render report.md and the PNG figures of a run directory from its summary.json.")
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The run directory (holds summary.json).")
    Path dir;

    @Option(names = "--tolerance", defaultValue = "0.02", paramLabel = "FRACTION",
        description = "Fair comparison: a method's points may be at most this much task accuracy below standard"
            + " LoRA's (fraction; default ${DEFAULT-VALUE} = 2 points).")
    double tolerance = ParetoFrontier.DEFAULT_TOLERANCE;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            err.println("error: --tolerance must be a non-negative number, got " + tolerance);
            return 1;
        }
        try {
            Reports.Rendered r = Reports.render(dir, tolerance);
            out.println("wrote " + r.report());
            r.figures().forEach(f -> out.println("wrote " + f));
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
    }
}
