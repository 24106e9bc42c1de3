package dev.alignguard.experiments.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
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
        ReportCommand.class})
public final class AlignGuardCli implements Runnable {

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

    /**
     * Runs a picocli command with the project's error handling: one "error: ..." line (the stack
     * trace with -Dalignguard.stacktrace=true) and exit code 1. Shared with the Spark launcher.
     */
    public static int execute(Object command, String... args) {
        CommandLine cli = commandLine(command);
        if (command instanceof AlignGuardCli && args.length > 0 && args[0].equals("verify")) {
            cli.getErr().println("error: verify runs through the ./alignguard script, which hands it to ./alignguard-verify"
                + " (the laws are not in this jar): ./alignguard verify --help");
            return 2;
        }
        return cli.execute(args);
    }

    /** A picocli command line for {@code command} with the project's error handling (see {@link #execute}). */
    public static CommandLine commandLine(Object command) {
        ConsoleLogging.configure(false);
        CommandLine cli = command instanceof AlignGuardCli ? listingVerify(new CommandLine(command)) : new CommandLine(command);
        return cli
            .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                cmd.getErr().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
                if (Boolean.getBoolean("alignguard.stacktrace")) {
                    ex.printStackTrace(cmd.getErr());
                }
                return 1;
            });
    }
}
