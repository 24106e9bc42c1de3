package dev.alignguard.experiments.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code alignguard} command: the entry point of every job the framework runs. */
@Command(name = "alignguard", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "AlignGuard-J: alignment-preserving LoRA fine-tuning, reproduced and verified.",
    subcommands = {RunCommand.class, PresetsCommand.class, BenchCommand.class, ModelCommand.class,
        ReportCommand.class})
public final class AlignGuardCli implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new AlignGuardCli())
            .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                cmd.getErr().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
                if (Boolean.getBoolean("alignguard.stacktrace")) {
                    ex.printStackTrace(cmd.getErr());
                }
                return 1;
            })
            .execute(args);
        System.exit(code);
    }
}
