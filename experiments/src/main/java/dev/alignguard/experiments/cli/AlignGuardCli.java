package dev.alignguard.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.alignguard.model.llama.SizeEstimate;
import dev.alignguard.training.trainer.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code alignguard} command: the entry point of every job the framework runs.
 *
 * <p>{@code verify} is listed among the commands but is not one of this jar's: the {@code ./alignguard}
 * script hands {@code ./alignguard verify ...} over to {@code ./alignguard-verify} (the verify module,
 * which carries the laws, JUnit and QuickTheories), as {@code --executor spark} hands over to
 * {@code ./alignguard-spark}, so that this jar stays light.
 */
@Command(name = "alignguard", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "AlignGuard-J: alignment-preserving LoRA fine-tuning, reproduced and verified.",
    subcommands = {RunCommand.class, PresetsCommand.class, MethodsCommand.class, BenchCommand.class, ModelCommand.class,
        FisherCommand.class,
        ReportCommand.class})
public final class AlignGuardCli implements Runnable {

    /** The option, on every command, that adds the Java stack trace to an error. */
    public static final String DEBUG = "--debug";

    /** The system property that does the same (kept for scripts; {@code --debug} sets it). */
    public static final String STACKTRACE_PROPERTY = "alignguard.stacktrace";

    /** What the command list says of {@code verify}, which the launcher script runs. */
    static final String VERIFY_SUMMARY = "Runs the property laws harder (--intensity, --tries, --seed, --backend, --model) and "
        + "writes a verification report; ./alignguard hands it to ./alignguard-verify.";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(new AlignGuardCli(), args));
    }

    /**
     * Runs a picocli command with the project's error handling: one "error: ..." line and exit code 1
     * for every exception and error (out of memory, stack overflow included); with {@code --debug} (or
     * -Dalignguard.stacktrace=true) the stack trace follows. Shared with the Spark launcher.
     */
    public static int execute(Object command, String... args) {
        CommandLine cli = commandLine(command);
        if (command instanceof AlignGuardCli && args.length > 0 && args[0].equals("verify")) {
            cli.getErr().println("error: verify runs through the ./alignguard script, which hands it to ./alignguard-verify"
                + " (the laws are not in this jar): ./alignguard verify --help");
            return 2;
        }
        if (command instanceof AlignGuardCli && args.length > 0 && args[0].equals(HEAP_FOR)) {
            return HeapFor.print(java.util.Arrays.copyOfRange(args, 1, args.length), cli.getOut());
        }
        return cli.execute(args);
    }

    /** The hidden command the launcher asks for the heap of the command it is about to run ({@link HeapFor}). */
    static final String HEAP_FOR = "heap-for";

    /**
     * Lists {@code verify} with the other commands in the usage help: a usage entry only, since the
     * launcher script, not this jar, runs it.
     */
    private static CommandLine listingVerify(CommandLine cli) {
        cli.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> {
            Map<String, Help> commands = new LinkedHashMap<>(help.subcommands());
            CommandSpec verify = CommandSpec.create().name("verify");
            verify.usageMessage().description(VERIFY_SUMMARY);
            commands.put("verify", new Help(verify, help.colorScheme()));
            return help.commandList(commands);
        });
        return cli;
    }

    /** A picocli command line for {@code command} with the project's error handling (see {@link #execute}). */
    public static CommandLine commandLine(Object command) {
        ConsoleLogging.configure(false);
        CommandLine cl = command instanceof AlignGuardCli ? listingVerify(new CommandLine(command)) : new CommandLine(command);
        addDebugOption(cl.getCommandSpec());
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            boolean debug = debug(parsed);
            String before = System.getProperty(STACKTRACE_PROPERTY);
            if (debug) {
                System.setProperty(STACKTRACE_PROPERTY, "true"); // failed trials record their traces too
            }
            try {
                return runLast.execute(parsed);
            } catch (Error e) { // picocli passes Errors through; none may reach the user as a bare trace
                return report(e, parsed.commandSpec().commandLine().getErr(), debug);
            } finally {
                if (debug) {
                    if (before == null) {
                        System.clearProperty(STACKTRACE_PROPERTY);
                    } else {
                        System.setProperty(STACKTRACE_PROPERTY, before);
                    }
                }
            }
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, cmd.getErr(), debug(parsed)));
        return cl;
    }

    /** Prints one line for {@code failure} (and its trace when asked) and returns the exit code 1. */
    static int report(Throwable failure, PrintWriter err, boolean debug) {
        err.println("error: " + message(failure));
        if (debug || Boolean.getBoolean(STACKTRACE_PROPERTY)) {
            failure.printStackTrace(err);
        } else if (!expected(failure)) {
            err.println("(an internal error: rerun with " + DEBUG + " for the stack trace, and please report it)");
        }
        err.flush();
        return 1;
    }

    /** The one-line message of a failure: the project's own messages as they are, anything else named by its class. */
    static String message(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            long max = Runtime.getRuntime().maxMemory();
            return "out of memory (" + e.getMessage() + "): this JVM may use at most " + SizeEstimate.bytes(max)
                + " of heap; run with ALIGNGUARD_JAVA_OPTS=" + SizeEstimate.xmxFor(2 * max) + " (the launcher passes it to"
                + " java), or make the model or the study smaller";
        }
        if (e instanceof StackOverflowError) {
            return "stack overflow (StackOverflowError): the work nests too deeply for this JVM's thread stack (-Xss)";
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return expected(e) ? m : e.getClass().getSimpleName() + ": " + m;
    }

    /** Failures whose messages are written for users (files, fields, values), as opposed to a bug's. */
    private static boolean expected(Throwable e) {
        return e instanceof IOException || e instanceof UncheckedIOException || e instanceof IllegalArgumentException
            || e instanceof IllegalStateException || e instanceof TrainingDivergedException || e instanceof OutOfMemoryError
            || e instanceof StackOverflowError || e instanceof UnsupportedOperationException;
    }

    /** Adds {@code --debug} to the command and every subcommand below it. */
    private static void addDebugOption(CommandSpec spec) {
        if (spec.findOption(DEBUG) == null) {
            spec.addOption(OptionSpec.builder(DEBUG).type(boolean.class)
                .description("On an error, also print the Java stack trace (as -Dalignguard.stacktrace=true).").build());
        }
        spec.subcommands().values().forEach(sub -> addDebugOption(sub.getCommandSpec()));
    }

    private static boolean debug(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(DEBUG)) {
                return true;
            }
        }
        return false;
    }
}
