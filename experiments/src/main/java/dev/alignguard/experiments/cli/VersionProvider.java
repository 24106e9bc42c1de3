package dev.alignguard.experiments.cli;

import picocli.CommandLine.IVersionProvider;

/** The project version, read from the jar manifest (falls back to "dev" when run from classes). */
public final class VersionProvider implements IVersionProvider {

    public static String version() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"AlignGuard-J " + version()};
    }
}
