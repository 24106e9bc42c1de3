package dev.alignguard.experiments.cli;

import java.util.concurrent.Callable;

import dev.alignguard.experiments.method.MethodCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code alignguard methods}: every method kind a spec may use, with its parameters. */
@Command(name = "methods", mixinStandardHelpOptions = true,
    description = "List the method kinds a spec may use: what each does, its strength, its params (type, default).")
public final class MethodsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(MethodCatalog.describeAll());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
