package dev.alignguard.legal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.legal.LicenceCheck.Result;
import dev.alignguard.legal.LicenceCheck.Verdict;
import dev.alignguard.legal.LicenceTable.Category;

/**
 * The licence check on fixture lists in the plugin's format, judged by the project's own policy
 * ({@code legal/licences.tsv}, the file the build uses): a GPL dependency fails it.
 */
class LicenceCheckTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures");

    static LicenceTable projectTable() throws IOException {
        return LicenceTable.read(Path.of("licences.tsv"));
    }

    static Dependency dependency(String coordinates, String scope, String... licences) {
        String[] gav = coordinates.split(":");
        return new Dependency(gav[0], gav[1], gav[2], scope, gav[1], "", List.of(licences));
    }

    @Test
    void gplDependencyInTheFixtureListFailsTheCheck() throws IOException {
        List<Dependency> list = ThirdPartyList.read(FIXTURES.resolve("third-party-with-gpl.tsv"));
        Result r = LicenceCheck.check(list, projectTable());
        assertFalse(r.ok());
        assertEquals(1, r.problems().size(), r.problems().toString());
        String p = r.problems().getFirst();
        assertTrue(p.startsWith("org.example:gpl-only:1.0 (compile): licensed under GPL-2.0-only (GPL family)"), p);
        assertTrue(r.accepted().stream().noneMatch(v -> v.dependency().artifactId().equals("gpl-only")));
        assertEquals(3, r.accepted().size());
    }

    @Test
    void theSameListWithoutTheGplDependencyPasses() throws IOException {
        Result r = LicenceCheck.check(ThirdPartyList.read(FIXTURES.resolve("third-party-clean.tsv")), projectTable());
        assertTrue(r.ok(), r.problems().toString());
        assertEquals(3, r.accepted().size());
    }

    @Test
    void everyGplFamilyLicenceIsForbiddenButLesserAndClasspathExceptionAreNot() throws IOException {
        LicenceTable t = projectTable();
        int gpl = 0;
        for (LicenceTable.Licence l : t.licences()) {
            String id = l.id();
            if ((id.startsWith("GPL-") || id.startsWith("AGPL-")) && !id.contains(" WITH Classpath-exception")) {
                assertEquals(Category.FORBIDDEN, l.category(), id);
                gpl++;
            } else if (id.startsWith("LGPL-") || id.contains(" WITH Classpath-exception")) {
                assertEquals(Category.WEAK_COPYLEFT, l.category(), id);
            } else {
                assertTrue(l.category() != Category.FORBIDDEN, id + " is forbidden but not of the GPL family");
            }
        }
        assertTrue(gpl >= 6, "GPL-2.0 and 3.0, only and or-later, and the AGPL are listed");
        for (String name : List.of("GNU General Public License, version 2", "GNU General Public License v3.0",
            "GNU Affero General Public License v3.0")) {
            Result r = LicenceCheck.check(List.of(dependency("org.example:x:1", "test", name)), t);
            assertEquals(1, r.problems().size(), name);
            assertTrue(r.problems().getFirst().contains("(GPL family)"), r.problems().getFirst());
        }
    }

    @Test
    void jfreeChartIsAcceptedAsLgplAndNamedAsWeakCopyleftInNotice() throws IOException {
        Result r = LicenceCheck.check(ThirdPartyList.read(FIXTURES.resolve("third-party-clean.tsv")), projectTable());
        Verdict jfree = r.accepted().stream().filter(v -> v.dependency().artifactId().equals("jfreechart"))
            .findFirst().orElseThrow();
        assertEquals(List.of("LGPL-2.1-or-later"), jfree.ids());
        assertEquals(Category.WEAK_COPYLEFT, jfree.category());
        String notice = Notice.render(r.accepted());
        int weak = notice.indexOf("Weak copyleft\n");
        int runTime = notice.indexOf("\nRun time");
        String line = "  JFreeChart (org.jfree:jfreechart:1.5.6): LGPL-2.1-or-later [compile]\n";
        assertTrue(weak >= 0 && runTime > weak && notice.indexOf(line) > weak && notice.indexOf(line) < runTime, notice);
    }

    @Test
    void gplWithTheClasspathExceptionIsAllowed() throws IOException {
        Result r = LicenceCheck.check(List.of(dependency("org.openjdk.jmh:jmh-core:1.37", "compile",
            "GNU General Public License (GPL), version 2, with the Classpath exception")), projectTable());
        assertTrue(r.ok(), r.problems().toString());
        assertEquals(Category.WEAK_COPYLEFT, r.accepted().getFirst().category());
    }

    @Test
    void aGplLicenceNextToOthersNeedsARecordedChoice() throws IOException {
        String[] dual = {"Apache License 2.0", "GNU General Public License, version 2"};
        Result unrecorded = LicenceCheck.check(List.of(dependency("org.example:dual:1.0", "provided", dual)), projectTable());
        assertEquals(1, unrecorded.problems().size());
        assertTrue(unrecorded.problems().getFirst().contains("'choice' line"), unrecorded.problems().getFirst());

        Result recorded = LicenceCheck.check(List.of(dependency("org.rocksdb:rocksdbjni:9.8.4", "provided", dual)),
            projectTable());
        assertTrue(recorded.ok(), recorded.problems().toString());
        Verdict v = recorded.accepted().getFirst();
        assertEquals(Category.PERMISSIVE, v.category());
        assertEquals("Apache-2.0 (chosen; also offered under GPL-2.0-only)", v.licenceText());
    }

    @Test
    void aChoiceTheDependencyDoesNotOfferFails() throws IOException {
        Result r = LicenceCheck.check(List.of(dependency("org.rocksdb:rocksdbjni:9.8.4", "provided",
            "GNU General Public License, version 2")), projectTable());
        assertEquals(1, r.problems().size());
        assertTrue(r.problems().getFirst().contains("which it does not offer"), r.problems().getFirst());
    }

    @Test
    void anUnlistedLicenceNameOrNoLicenceFails() throws IOException {
        Result r = LicenceCheck.check(List.of(
            dependency("org.example:custom:1", "compile", "The Example Community Licence"),
            dependency("org.example:none:1", "compile")), projectTable());
        assertEquals(2, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).contains("\"The Example Community Licence\" is not listed"), r.problems().get(0));
        assertTrue(r.problems().get(1).contains("declares no licence"), r.problems().get(1));
        assertTrue(r.accepted().isEmpty());
    }

    // ---- the whole check on a fixture checkout (what the build runs) ----

    /** A checkout with modules app and lib whose lists are the given fixture files, and the given table. */
    static Path checkout(Path root, Path table, String appList, String libList) throws IOException {
        Files.writeString(root.resolve("pom.xml"),
            "<project><modules>\n  <module>app</module>\n  <module>lib</module>\n</modules></project>\n");
        for (String[] m : new String[][] {{"app", appList}, {"lib", libList}}) {
            if (m[1] != null) {
                Path list = root.resolve(m[0]).resolve(LicenceCheck.LIST);
                Files.createDirectories(list.getParent());
                Files.copy(FIXTURES.resolve(m[1]), list);
            }
        }
        Files.createDirectories(root.resolve("legal"));
        Files.copy(table, root.resolve("legal/licences.tsv"));
        return root;
    }

    @Test
    void theBuildsCheckFailsOnAFixtureCheckoutWithAGplDependency(@TempDir Path dir) throws IOException {
        Path root = checkout(dir, Path.of("licences.tsv"), "third-party-clean.tsv", "third-party-with-gpl.tsv");
        LicenceCheck.Report report = LicenceCheck.run(root, false);
        assertEquals(1, report.problems().size(), report.problems().toString());
        assertTrue(report.problems().getFirst().contains("org.example:gpl-only:1.0 (compile): licensed under GPL-2.0-only"));
        assertTrue(report.summary().endsWith("FAILED"), report.summary());
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        LicenceCheck.Failure f;
        try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            f = assertThrows(LicenceCheck.Failure.class, () -> LicenceCheck.main(new String[] {root.toString(), "check"}));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertTrue(f.getMessage().startsWith("1 licence problem(s)"), f.getMessage());
        String text = printed.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("legal: org.example:gpl-only:1.0 (compile): licensed under GPL-2.0-only"), text);
        assertFalse(Files.exists(root.resolve("NOTICE")), "no NOTICE is written for a failing list");
    }

    @Test
    void noticeIsWrittenThenCheckedAndAChangedOrMissingListFails(@TempDir Path dir) throws IOException {
        Path table = dir.resolve("table.tsv");
        Files.write(table, List.of(
            "licence\tApache-2.0\tpermissive\tApache License 2.0",
            "licence\tEPL-2.0\tweak-copyleft\tEclipse Public License 2.0",
            "licence\tLGPL-2.1-or-later\tweak-copyleft\tGNU Lesser General Public License v2.1 or later",
            "alias\tThe Apache Software License, Version 2.0\tApache-2.0",
            "alias\tEclipse Public License v2.0\tEPL-2.0",
            "artifact\torg.jfree:jfreechart\tLGPL-2.1-or-later\tits source headers"));
        Path root = checkout(Files.createDirectory(dir.resolve("repo")), table, "third-party-clean.tsv", "third-party-clean.tsv");

        LicenceCheck.Report written = LicenceCheck.run(root, true);
        assertTrue(written.problems().isEmpty(), written.problems().toString());
        assertEquals("legal: 3 third-party dependencies from 2 modules, 1 permissive, 2 weak copyleft; NOTICE written",
            written.summary());
        String notice = Files.readString(root.resolve("NOTICE"), StandardCharsets.UTF_8);
        assertTrue(notice.contains("  Permissive Lib (com.example:permissive:1.0): Apache-2.0\n"), notice);
        assertTrue(LicenceCheck.run(root, false).problems().isEmpty());

        Files.writeString(root.resolve("NOTICE"), notice.replace("Apache-2.0\n", "MIT\n"), StandardCharsets.UTF_8);
        List<String> changed = LicenceCheck.run(root, false).problems();
        assertEquals(1, changed.size());
        assertTrue(changed.getFirst().startsWith("NOTICE is out of date (line "), changed.getFirst());
        assertTrue(changed.getFirst().endsWith(LicenceCheck.UPDATE_COMMAND), changed.getFirst());

        Files.delete(root.resolve("lib").resolve(LicenceCheck.LIST));
        List<String> missing = new ArrayList<>(LicenceCheck.run(root, true).problems());
        assertEquals(1, missing.size(), missing.toString());
        assertTrue(missing.getFirst().startsWith("lib: no third-party list"), missing.getFirst());
    }

    @Test
    void aTableLineAboutADependencyNoModuleHasIsStale(@TempDir Path dir) throws IOException {
        Path table = dir.resolve("table.tsv");
        Files.write(table, List.of(
            "licence\tApache-2.0\tpermissive\tApache License 2.0",
            "licence\tEPL-2.0\tweak-copyleft\tEclipse Public License 2.0",
            "licence\tLGPL-2.1-or-later\tweak-copyleft\tGNU Lesser General Public License v2.1 or later",
            "alias\tThe Apache Software License, Version 2.0\tApache-2.0",
            "alias\tEclipse Public License v2.0\tEPL-2.0",
            "artifact\torg.jfree:jfreechart\tLGPL-2.1-or-later\tits source headers",
            "choice\torg.example:gone\tApache-2.0\tit used to be dual-licensed"));
        Path root = checkout(Files.createDirectory(dir.resolve("repo")), table, "third-party-clean.tsv", null);
        Files.createDirectories(root.resolve("lib").resolve(LicenceCheck.LIST).getParent());
        Files.writeString(root.resolve("lib").resolve(LicenceCheck.LIST), "");
        List<String> problems = LicenceCheck.run(root, true).problems();
        assertEquals(List.of("legal/licences.tsv: the line about org.example:gone is stale (no module depends on it); remove it"),
            problems);
    }
}
