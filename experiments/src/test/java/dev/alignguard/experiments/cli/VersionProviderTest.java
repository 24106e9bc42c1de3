package dev.alignguard.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class VersionProviderTest {

    @Test
    void versionPrintsTheVersionAndTheGitCommit() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new AlignGuardCli());
        cli.setOut(new PrintWriter(out, true));
        assertEquals(0, cli.execute("--version"));
        String[] lines = out.toString().strip().split("\\R");
        assertEquals(2, lines.length, out.toString());
        assertEquals("AlignGuard-J " + VersionProvider.version(), lines[0]);
        assertTrue(lines[1].matches("git commit ([0-9a-f]{40}|unknown)"), lines[1]);
        assertEquals("git commit " + VersionProvider.gitCommit(), lines[1]);
    }
}
