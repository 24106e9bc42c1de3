package dev.alignguard.experiments.cli;

import java.util.concurrent.Callable;

import dev.alignguard.experiments.spec.Presets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code alignguard presets}: lists the studies that reproduce the paper, or prints one to copy. */
@Command(name = "presets", mixinStandardHelpOptions = true, description = "List the presets, or print one's spec (--show).")
public final class PresetsCommand implements Callable<Integer> {

    @Option(names = "--show", paramLabel = "NAME", description = "Print the preset's spec JSON (copy it to edit).")
    String show;

    @Override
    public Integer call() throws Exception {
        if (show != null) {
            System.out.print(Presets.text(show));
            return 0;
        }
        Presets.descriptions().forEach((n, d) -> System.out.printf("%-20s %s%n", n, d));
        return 0;
    }
}
