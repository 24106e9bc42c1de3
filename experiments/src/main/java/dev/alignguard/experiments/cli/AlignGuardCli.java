package dev.alignguard.experiments.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code alignguard} command: the entry point of every job the framework runs. */
@Command(name = "alignguard", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "AlignGuard-J: alignment-preserving LoRA fine-tuning, reproduced and verified.",
    subcommands = {RunCommand.class, PresetsCommand.class, MethodsCommand.class, BenchCommand.class, ModelCommand.class,
        ReportCommand.class})
public final class AlignGuardCli implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(new AlignGuardCli(), args));
    }

    /**
     * Runs a picocli command with the project's error handling: one "error: ..." line (the stack
     * trace with -Dalignguard.stacktrace=true) and exit code 1. Shared with the Spark launcher.
     */
    public static int execute(Object command, String... args) {
        return commandLine(command).execute(args);
    }

    /** A picocli command line for {@code command} with the project's error handling (see {@link #execute}). */
    public static CommandLine commandLine(Object command) {
        ConsoleLogging.configure(false);
        return new CommandLine(command)
            .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                cmd.getErr().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
                if (Boolean.getBoolean("alignguard.stacktrace")) {
                    ex.printStackTrace(cmd.getErr());
                }
                return 1;
            });
    }
}
