package dev.alignguard.legal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The licence policy, {@code legal/licences.tsv}: the licences the project knows with their
 * {@link Category}, the names poms spell them with, per-artifact corrections and recorded choices
 * (the file's header explains each kind of line).
 */
public final class LicenceTable {

    /** How a licence may be used by an Apache-2.0 program. */
    public enum Category {
        /** Apache, MIT, BSD and the like. */
        PERMISSIVE,
        /** LGPL, EPL, CDDL, MPL, GPL with the Classpath exception: allowed as an unmodified library, named in NOTICE. */
        WEAK_COPYLEFT,
        /** The GPL family: never, unless the component is also offered under another licence. */
        FORBIDDEN;

        static Category parse(String s, String where) {
            return switch (s) {
                case "permissive" -> PERMISSIVE;
                case "weak-copyleft" -> WEAK_COPYLEFT;
                case "forbidden" -> FORBIDDEN;
                default -> throw new IllegalArgumentException(where + ": unknown category '" + s + "'");
            };
        }
    }

    /** A known licence. */
    public record Licence(String id, Category category, String title) {
    }

    /** An {@code artifact} line: the licences that replace what the pom declares, and why. */
    public record Correction(List<String> ids, String evidence) {
    }

    /** A {@code choice} line: the licence used where the component offers several, and why. */
    public record Choice(String id, String evidence) {
    }

    private final Map<String, Licence> licences = new LinkedHashMap<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private final Map<String, Correction> corrections = new LinkedHashMap<>();
    private final Map<String, Choice> choices = new LinkedHashMap<>();

    private LicenceTable() {
    }

    public static LicenceTable read(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
    }

    static LicenceTable parse(List<String> lines, String source) {
        LicenceTable t = new LicenceTable();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = source + ":" + (i + 1);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 3 && f.length != 4) {
                throw new IllegalArgumentException(where + ": expected 3 or 4 tab-separated fields: " + line);
            }
            String kind = f[0];
            String a = f[1].strip();
            String b = f[2].strip();
            String c = f.length == 4 ? f[3].strip() : "";
            switch (kind) {
                case "licence" -> {
                    t.licences.put(a, new Licence(a, Category.parse(b, where), c));
                }
                case "alias" -> {
                    t.aliases.put(normalise(a), b);
                }
                case "artifact" -> {
                    require(!c.isEmpty(), where, "an 'artifact' line needs its evidence");
                    t.corrections.put(a, new Correction(Arrays.stream(b.split(" AND ")).map(String::strip).toList(), c));
                }
                case "choice" -> {
                    require(!c.isEmpty(), where, "a 'choice' line needs its evidence");
                    t.choices.put(a, new Choice(b, c));
                }
                default -> throw new IllegalArgumentException(where + ": unknown kind of line '" + kind + "'");
            }
        }
        // Every alias, correction and choice names a listed licence.
        t.aliases.forEach((name, id) -> require(t.licences.containsKey(id), source, "alias '" + name + "' names unlisted licence " + id));
        t.corrections.forEach((key, c) -> c.ids()
            .forEach(id -> require(t.licences.containsKey(id), source, "artifact " + key + " names unlisted licence " + id)));
        t.choices.forEach((key, c) -> {
            require(t.licences.containsKey(c.id()), source, "choice for " + key + " names unlisted licence " + c.id());
            require(t.licences.get(c.id()).category() != Category.FORBIDDEN, source,
                "choice for " + key + " chooses a forbidden licence, " + c.id());
        });
        return t;
    }

    private static void require(boolean ok, String where, String message) {
        if (!ok) {
            throw new IllegalArgumentException(where + ": " + message);
        }
    }

    /** Case and runs of white space do not matter in a licence name. */
    static String normalise(String name) {
        return name.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** The SPDX id a pom's licence name stands for: a listed id itself, or an alias of one. */
    public Optional<String> idOf(String name) {
        if (licences.containsKey(name.strip())) {
            return Optional.of(name.strip());
        }
        return Optional.ofNullable(aliases.get(normalise(name)));
    }

    /** Every listed licence, in the table's order. */
    public List<Licence> licences() {
        return List.copyOf(licences.values());
    }

    public Licence licence(String id) {
        Licence l = licences.get(id);
        if (l == null) {
            throw new IllegalArgumentException("unlisted licence " + id);
        }
        return l;
    }

    public Optional<Correction> correction(String key) {
        return Optional.ofNullable(corrections.get(key));
    }

    public Optional<Choice> choice(String key) {
        return Optional.ofNullable(choices.get(key));
    }

    /** The {@code groupId:artifactId} keys of all correction and choice lines (to find stale ones). */
    public List<String> artifactKeys() {
        return Stream.concat(corrections.keySet().stream(), choices.keySet().stream()).toList();
    }
}
