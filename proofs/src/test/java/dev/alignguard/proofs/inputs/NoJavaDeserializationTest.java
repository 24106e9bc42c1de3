package dev.alignguard.proofs.inputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.alignguard.proofs.harness.LawTags;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing in this project is read with Java deserialization, which runs code chosen by whoever wrote
 * the bytes: no {@code ObjectInputStream}, {@code readObject}/{@code readUnshared}, {@code XMLDecoder},
 * and no Jackson typing by class name (default typing, {@code JsonTypeInfo.Id.CLASS}), in any main or
 * test source of any module, this file aside (it has to spell them). Spark ships tasks to executors
 * with its own serializer: that is Spark's transport, between processes that authenticate each other
 * (spark/README.md, "Security"); the project's own code never deserializes.
 */
@Tag(LawTags.REPOSITORY)
class NoJavaDeserializationTest {

    /** What must not appear, and why. */
    static final List<Pattern> FORBIDDEN = List.of(
        Pattern.compile("ObjectInputStream"),
        Pattern.compile("\\.readObject\\s*\\("),
        Pattern.compile("\\.readUnshared\\s*\\("),
        Pattern.compile("XMLDecoder"),
        Pattern.compile("SerializationUtils\\s*\\.\\s*deserialize"),
        Pattern.compile("(enable|activate)DefaultTyping"),
        Pattern.compile("JsonTypeInfo\\.Id\\.(MINIMAL_)?CLASS"));

    /** The repository root: the parent of this module's folder, where the test runs. */
    static Path root() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.isRegularFile(root.resolve("pom.xml")) && Files.isDirectory(root.resolve("proofs")),
            "not the repository root: " + root);
        return root;
    }

    /** Every forbidden use in the Java sources under {@code root} (target folders skipped), as "file:line: text". */
    static List<String> violations(Path root, Path except) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java"))
                .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
                .filter(p -> !p.toAbsolutePath().equals(except)).sorted().toList()) {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    for (Pattern p : FORBIDDEN) {
                        if (p.matcher(lines.get(i)).find()) {
                            found.add(root.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).strip());
                        }
                    }
                }
            }
        }
        return found;
    }

    @Test
    void noSourceDeserializes() throws IOException {
        Path root = root();
        Path self = root.resolve("proofs/src/test/java/dev/alignguard/proofs/inputs/NoJavaDeserializationTest.java");
        assertTrue(Files.isRegularFile(self), "this file moved: update the exception");
        long sources;
        try (Stream<Path> s = Files.walk(root)) {
            sources = s.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/")).count();
        }
        assertTrue(sources > 100, "the scan sees the main sources (" + sources + ")");
        assertEquals(List.of(), violations(root, self));
    }

    @Test
    void theScanFindsAPlantedUse(@TempDir Path dir) throws IOException {
        Path planted = Files.createDirectories(dir.resolve("m/src/main/java")).resolve("Bad.java");
        Files.writeString(planted, "class Bad {\n  Object f(java.io.InputStream in) throws Exception {\n"
            + "    return new java.io.ObjectInputStream(in).readObject();\n  }\n}\n");
        assertEquals(List.of("m/src/main/java/Bad.java:3: return new java.io.ObjectInputStream(in).readObject();",
            "m/src/main/java/Bad.java:3: return new java.io.ObjectInputStream(in).readObject();"), violations(dir, null));
    }
}
