package dev.alignguard.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The usage help lists every command, {@code verify} (run by the launcher script) included. */
class AlignGuardCliTest {

    @Test
    void helpListsVerifyWithTheOtherCommands() {
        StringWriter out = new StringWriter();
        CommandLine cli = AlignGuardCli.commandLine(new AlignGuardCli());
        cli.setOut(new PrintWriter(out, true));
        assertEquals(0, cli.execute("--help"));
        String help = out.toString();
        for (String command : new String[] {"run", "presets", "methods", "bench", "model", "report", "verify"}) {
            assertTrue(help.lines().anyMatch(l -> l.matches("\\s+" + command + "\\s+\\S.*")), command + " listed:\n" + help);
        }
        assertTrue(help.replaceAll("\\s+", " ").contains(AlignGuardCli.VERIFY_SUMMARY), help);

        StringWriter bare = new StringWriter();
        CommandLine noArgs = AlignGuardCli.commandLine(new AlignGuardCli());
        noArgs.setOut(new PrintWriter(bare, true));
        assertEquals(0, noArgs.execute());
        assertTrue(bare.toString().contains("verify"), "the usage printed without arguments lists it too:\n" + bare);
    }

    @Test
    void verifyGivenToTheJarSaysWhereItRuns() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, AlignGuardCli.execute(new AlignGuardCli(), "verify", "--intensity", "quick"));
        } finally {
            System.setErr(saved);
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("verify runs through the ./alignguard script"), err.toString());
    }
}
