package dev.alignguard.legal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the third-party lists the license-maven-plugin writes for each module
 * ({@code add-third-party} with the template {@code legal/src/license/third-party.tsv.ftl}) and merges them.
 *
 * <p>Line format, tab-separated: {@code groupId:artifactId:version, scope, name, url, licences}, the
 * licences separated by {@code " | "}. The plugin writes {@code "Unknown license"} for a dependency
 * whose pom declares none; it is read as no licence.
 */
public final class ThirdPartyList {

    /** What the plugin writes in place of a licence when the pom declares none. */
    static final String UNKNOWN = "Unknown license";

    /** Scopes from widest to narrowest: a dependency listed by several modules keeps its widest. */
    static final List<String> SCOPES = List.of("compile", "runtime", "provided", "test");

    private ThirdPartyList() {
    }

    /** Reads one module's list. */
    public static List<Dependency> read(Path file) throws IOException {
        List<Dependency> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            out.add(parse(line, file + ":" + (i + 1)));
        }
        return out;
    }

    static Dependency parse(String line, String where) {
        String[] f = line.split("\t", -1);
        if (f.length != 5) {
            throw new IllegalArgumentException(where + ": expected 5 tab-separated fields, found " + f.length + ": " + line);
        }
        String[] gav = f[0].split(":", -1);
        if (gav.length != 3 || Arrays.stream(gav).anyMatch(String::isBlank)) {
            throw new IllegalArgumentException(where + ": expected groupId:artifactId:version, found '" + f[0] + "'");
        }
        String scope = f[1].isBlank() ? "compile" : f[1].strip();
        if (!SCOPES.contains(scope)) {
            throw new IllegalArgumentException(where + ": unknown scope '" + scope + "'");
        }
        List<String> licences = new ArrayList<>();
        for (String l : f[4].split("\\s\\|\\s")) {
            String s = l.strip();
            if (!s.isEmpty() && !s.equals(UNKNOWN)) {
                licences.add(s);
            }
        }
        return new Dependency(gav[0], gav[1], gav[2], scope, f[2].strip(), f[3].strip(), licences);
    }

    /**
     * Merges the modules' lists: one entry per {@code groupId:artifactId:version}, with the widest
     * scope any module uses it in, sorted by coordinates.
     */
    public static List<Dependency> merge(Collection<List<Dependency>> lists) {
        Map<String, Dependency> byCoordinates = new TreeMap<>();
        for (List<Dependency> list : lists) {
            for (Dependency d : list) {
                byCoordinates.merge(d.coordinates(), d,
                    (a, b) -> SCOPES.indexOf(b.scope()) < SCOPES.indexOf(a.scope()) ? b : a);
            }
        }
        List<Dependency> out = new ArrayList<>(byCoordinates.values());
        out.sort(Comparator.comparing(Dependency::coordinates));
        return out;
    }
}
