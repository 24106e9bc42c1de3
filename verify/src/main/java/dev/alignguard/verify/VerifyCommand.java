package dev.alignguard.verify;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.alignguard.experiments.cli.ConsoleLogging;
import dev.alignguard.experiments.cli.VersionProvider;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.proofs.harness.Laws;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alignguard verify}: runs the laws of the proofs module from the command line, harder than
 * {@code ./test} does, on a chosen seed, backend and model, and keeps a record that they held.
 * {@code ./alignguard verify ...} hands over to {@code ./alignguard-verify}, which builds this module
 * (and the proofs test-jar) on first use and runs this class.
 *
 * <p>Exit code 0 only when every selected law held; 1 when one did not; 2 for a usage error (a bad
 * option, no law matching {@code --laws}, a model folder that does not load).
 */
@Command(name = "alignguard verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {"Runs the property laws (the proofs module's QuickTheories suites) through the JUnit Platform launcher, "
        + "prints a progress line per law and writes verification.json and verification.md to --out.",
        "A law that does not hold prints its shrunk counterexample and the command that replays it; the exit code is 0 only"
            + " when every law held."},
    footer = {"", "Intensities (examples per law): quick = as in ./test, standard = 10x, exhaustive = 100x.",
        "Examples:", "  ./alignguard verify --intensity quick",
        "  ./alignguard verify --laws 'ProjectorLaws,*Fisher*' --intensity standard --seed random",
        "  ./alignguard verify --model results/quickstart/aligned --laws GivenModelProperties --backend vector"})
public final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--laws", paramLabel = "PATTERN",
        description = "Laws to run: comma-separated CLASS or CLASS#METHOD, * and ? as wildcards; CLASS is a test class or the"
            + " interface stating the law (ProjectorLaws#idempotent runs it for every projector kind). Default: every law.")
    String laws;

    /** --tries and --intensity exclude each other. */
    static final class Examples {
        @Option(names = "--tries", paramLabel = "N", description = "Exactly N examples per law.")
        Integer tries;

        @Option(names = "--intensity", paramLabel = "quick|standard|exhaustive",
            description = "Examples per law: quick = as in ./test (default), standard = 10x, exhaustive = 100x.")
        String intensity;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Examples examples = new Examples();

    @Option(names = "--seed", paramLabel = "S",
        description = "Run every law from seed S (a long), or from a fresh seed per law ('random'). Default: each law's fixed seed.")
    String seed;

    @Option(names = "--backend", paramLabel = "scalar|vector|opencl",
        description = "Run only this kernel backend's agreement laws (scalar, the reference, has none), besides the laws of no"
            + " backend; the laws of a given model run on it. Default: every backend's laws; model laws on vector.")
    String backend;

    @Option(names = "--model", paramLabel = "DIR",
        description = "Run the laws of a given model (GivenModelProperties) on this model folder (from 'model init' or saved"
            + " by a run). Default: a tiny model written by 'model init'.")
    Path model;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "results/verification",
        description = "Where to write verification.json and verification.md (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--list", description = "Print the laws that would run, one per line, and run none.")
    boolean list;

    /** Test seam: further packages to look for laws in (the tests' fixtures). */
    List<String> extraPackages = List.of();

    /** The command line as the user typed it (the launcher's arguments), for the report. */
    private String[] args = new String[0];

    /** Where the progress lines and the summary go. */
    private PrintStream stdout = System.out;

    public static void main(String[] args) {
        System.exit(execute(new VerifyCommand(), System.out, System.err, args));
    }

    /** Runs the command with the project's error handling (one "error: ..." line, exit code 2 for bad input). */
    static int execute(VerifyCommand command, PrintStream out, PrintStream err, String... args) {
        ConsoleLogging.configure(false);
        command.args = args.clone();
        command.stdout = out;
        CommandLine cli = new CommandLine(command);
        cli.setOut(new java.io.PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("alignguard.stacktrace")) {
                ex.printStackTrace(c.getErr());
            }
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws IOException {
        Verification verification = new Verification(settings());
        if (list) {
            verification.list().forEach(stdout::println);
            stdout.flush();
            return 0;
        }
        VerificationReport report = verification.run(commandLine(), stdout);
        ReportFiles.write(report, out);
        VerificationReport.Counts c = report.counts();
        stdout.println(report.passed()
            ? "every law held: " + c.passed() + " of " + c.laws() + " in " + ReportFiles.seconds(report.seconds())
            : (c.laws() - c.passed()) + " of " + c.laws() + " laws did not hold (" + c.failed() + " failed, " + c.skipped() + " skipped)");
        stdout.println("report: " + out.resolve(ReportFiles.JSON) + ", " + out.resolve(ReportFiles.MARKDOWN));
        stdout.flush();
        return report.passed() ? 0 : 1;
    }

    /** The settings from the options; refuses bad values and a model folder that does not load (IllegalArgumentException). */
    Verification.Settings settings() {
        Intensity intensity = Intensity.QUICK;
        if (examples != null && examples.intensity != null) {
            try {
                intensity = Intensity.valueOf(examples.intensity.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--intensity must be quick, standard or exhaustive, not '" + examples.intensity + "'");
            }
        }
        Path modelDir = null;
        if (model != null) {
            modelDir = model.toAbsolutePath().normalize();
            if (!Files.isDirectory(modelDir)) {
                throw new IllegalArgumentException(model + ": not a model folder (no such directory)");
            }
            try {
                ModelFiles.loadModel(modelDir);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(model + ": does not load as a model folder: " + e.getMessage(), e);
            }
        }
        List<String> packages = new ArrayList<>(List.of(Verification.LAWS_PACKAGE));
        packages.addAll(extraPackages);
        return new Verification.Settings(laws == null ? null : LawPattern.parse(laws), intensity,
            examples == null ? null : examples.tries, seed == null ? null : seed.trim(),
            backend == null ? null : backend.trim().toLowerCase(java.util.Locale.ROOT), modelDir, packages);
    }

    private String commandLine() {
        List<String> words = new ArrayList<>(List.of("./alignguard", "verify"));
        for (String a : args) {
            words.add(Laws.shellWord(a));
        }
        return String.join(" ", words);
    }
}
