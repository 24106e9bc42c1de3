package dev.alignguard.legal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The files a research project is expected to have: present, linked from README, in their formats. */
class ProjectFilesTest {

    static final Path ROOT = Path.of("..");

    /** SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt (and Debian's common-licenses/Apache-2.0). */
    static final String APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30";

    @Test
    void licenceIsTheApacheLicence20Verbatim() throws IOException, NoSuchAlgorithmException {
        byte[] bytes = Files.readAllBytes(ROOT.resolve("LICENSE"));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertEquals(APACHE_2_0_SHA256, sha, "LICENSE must be the exact Apache License 2.0 text");
    }

    @Test
    void readmeLinksEachProjectFileAndEachExists() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        for (String file : List.of("LICENSE", "NOTICE", "CITATION.cff", "CONTRIBUTING.md", "CHANGELOG.md")) {
            assertTrue(readme.contains("](" + file + ")"), "README links " + file);
            assertTrue(Files.isRegularFile(ROOT.resolve(file)), file + " exists");
        }
    }

    @Test
    void changelogKeepsAChangelog() throws IOException {
        String log = Files.readString(ROOT.resolve("CHANGELOG.md"), StandardCharsets.UTF_8);
        assertTrue(log.startsWith("# Changelog\n"), "title");
        assertTrue(log.contains("https://keepachangelog.com/en/1.1.0/"), "names the format");
        assertTrue(log.contains("https://semver.org/spec/v2.0.0.html"), "names the versioning");
        Matcher versions = Pattern.compile("(?m)^## \\[([^]]+)]").matcher(log);
        List<String> headings = versions.results().map(m -> m.group(1)).toList();
        assertEquals("Unreleased", headings.getFirst(), "newest first, Unreleased on top");
        assertTrue(headings.contains("0.1.0"), headings.toString());
        Matcher sections = Pattern.compile("(?m)^### (.+)$").matcher(log);
        sections.results().forEach(m -> assertTrue(
            List.of("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security").contains(m.group(1)),
            "Keep a Changelog section: " + m.group(1)));
    }
}
