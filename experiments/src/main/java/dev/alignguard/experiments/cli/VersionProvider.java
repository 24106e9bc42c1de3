package dev.alignguard.experiments.cli;

import picocli.CommandLine.IVersionProvider;

/** The project version, read from the jar manifest (falls back to "dev" when run from classes). */
public final class VersionProvider implements IVersionProvider {

    public static String version() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The git commit of the working directory, or "unknown" outside a git checkout. */
    public static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
        } catch (java.io.IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** {@code alignguard --version}: the version, then the git commit (as summary.json records them). */
    @Override
    public String[] getVersion() {
        return new String[] {"AlignGuard-J " + version(), "git commit " + gitCommit()};
    }
}
