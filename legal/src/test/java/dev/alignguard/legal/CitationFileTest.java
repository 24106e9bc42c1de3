package dev.alignguard.legal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;

/**
 * {@code CITATION.cff} against the Citation File Format 1.2.0 JSON schema (the format's own
 * {@code schema.json}, in {@code src/test/resources/cff/}), as {@code cffconvert --validate} checks it.
 */
class CitationFileTest {

    static final Path ROOT = Path.of("..");

    static Schema schema() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("src/test/resources/cff/schema-1.2.0.json"))) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(in);
        }
    }

    static JsonNode yaml(Path file) throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    }

    @Test
    void citationFileIsValidCff120() throws IOException {
        List<Error> errors = schema().validate(yaml(ROOT.resolve("CITATION.cff")));
        assertEquals(List.of(), errors.stream().map(Error::toString).toList());
    }

    @Test
    void theSchemaRejectsABrokenCitationFile() throws IOException {
        List<Error> errors = schema().validate(yaml(Path.of("src/test/resources/fixtures/citation-invalid.cff")));
        Set<String> where = new TreeSet<>();
        for (Error e : errors) {
            where.add(e.getInstanceLocation() + " " + e.getKeyword());
        }
        String all = errors.toString();
        assertTrue(where.contains(" required") && all.contains("'message'"), where + " " + all);
        assertTrue(where.contains("/date-released pattern"), where.toString());
        assertTrue(where.contains("/doi pattern"), where.toString());
        assertTrue(where.contains("/references/0 required") && all.contains("'type'"), where + " " + all);
        assertTrue(where.contains("/references/0/authors minItems"), where.toString());
    }

    @Test
    void citesTheFrameworkAndTheAlignGuardLoraPaper() throws IOException {
        JsonNode cff = yaml(ROOT.resolve("CITATION.cff"));
        assertEquals("1.2.0", cff.get("cff-version").asText());
        assertEquals("software", cff.get("type").asText());
        java.util.regex.Matcher pom = java.util.regex.Pattern
            .compile("<artifactId>alignguard-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(java.nio.file.Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(pom.find(), "the root pom's version");
        assertEquals(pom.group(1), cff.get("version").asText(), "CITATION.cff cites the version the poms build");
        assertEquals("Apache-2.0", cff.get("license").asText());
        JsonNode paper = cff.get("references").get(0);
        assertEquals("article", paper.get("type").asText());
        assertTrue(paper.get("title").asText().startsWith("AlignGuard-LoRA: "), paper.get("title").asText());
        assertEquals(List.of("Das", "Borah", "Jain", "Chadha"),
            paper.get("authors").valueStream().map(a -> a.get("family-names").asText()).toList());
        assertEquals(2025, paper.get("year").asInt());
        assertEquals("10.48550/arXiv.2508.02079", paper.get("doi").asText());
        assertEquals("https://arxiv.org/abs/2508.02079", paper.get("url").asText());
    }
}
