package dev.alignguard.experiments.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;

class SummaryFilesTest {

    @TempDir
    Path dir;

    @Test
    void writeThenReadGivesTheSameSummary() throws IOException {
        Summary s = SyntheticSummary.good();
        Path file = SummaryFiles.writeTo(s, dir);
        Summary back = SummaryFiles.read(file);

        assertEquals(SummaryFiles.toJson(s), SummaryFiles.toJson(back));
        assertEquals(Files.readString(file), SummaryFiles.toJson(back), "the file is exactly what toJson gives");
        assertEquals(s.name(), back.name());
        assertArrayEquals(s.seeds(), back.seeds());
        assertEquals(s.spec(), back.spec());
        assertEquals(s.analyses(), back.analyses());
        assertEquals(s.wallSeconds(), back.wallSeconds());
        assertEquals(s.methods().size(), back.methods().size());
        for (int i = 0; i < s.methods().size(); i++) {
            MethodSummary a = s.methods().get(i);
            MethodSummary b = back.methods().get(i);
            assertEquals(a.method(), b.method());
            assertEquals(a.kind(), b.kind());
            assertEquals(Double.doubleToLongBits(a.strength()), Double.doubleToLongBits(b.strength()));
            assertEquals(a.label(), b.label());
            assertEquals(a.metrics().keySet(), b.metrics().keySet());
            for (String k : a.metrics().keySet()) {
                Stat x = a.metrics().get(k);
                Stat y = b.metrics().get(k);
                assertEquals(x.mean(), y.mean(), k);
                assertEquals(x.ci95(), y.ci95(), k);
                assertArrayEquals(x.values(), y.values(), k);
            }
        }
        assertEquals(s.trials().size(), back.trials().size());
        assertEquals(s.trials().get(4).curve(), back.trials().get(4).curve());
        assertEquals(s.trials().get(4).metrics(), back.trials().get(4).metrics());
        assertEquals(s.failures().get(0).error(), back.failures().get(0).error());
        assertArrayEquals(s.spectrum().get(1).rawEigenvalues(), back.spectrum().get(1).rawEigenvalues());
        assertArrayEquals(s.spectrum().get(1).cumulativeEnergy(), back.spectrum().get(1).cumulativeEnergy());
    }

    @Test
    void nonFiniteNumbersAreWrittenAsStringsAndReadBackExactly() throws IOException {
        Summary s = SyntheticSummary.good();
        String json = SummaryFiles.toJson(s);
        assertTrue(json.contains("\"strength\" : \"NaN\""), "standard LoRA has no strength");
        Stat odd = new Stat(Double.POSITIVE_INFINITY, Double.NaN, new double[] {Double.NEGATIVE_INFINITY, Double.NaN, 1.5});
        Summary t = new Summary("odd", null, null, null, new long[] {1}, null, java.util.Map.of("x", odd), null,
            List.of(), List.of(), List.of(), List.of(), java.util.Map.of(), Double.NaN);
        Summary back = SummaryFiles.fromJson(SummaryFiles.toJson(t), "test");
        Stat y = back.aligned().get("x");
        assertEquals(Double.POSITIVE_INFINITY, y.mean());
        assertTrue(Double.isNaN(y.ci95()));
        assertArrayEquals(odd.values(), y.values());
        assertTrue(Double.isNaN(back.wallSeconds()));
        // bare tokens from other writers are accepted too
        Summary bare = SummaryFiles.fromJson("{\"name\":\"b\",\"wall_seconds\":NaN}", "bare");
        assertTrue(Double.isNaN(bare.wallSeconds()));
    }

    @Test
    void theSameSummaryGivesTheSameBytesWhateverTheMapOrder() throws IOException {
        Summary s = SyntheticSummary.good();
        java.util.Map<String, Stat> reversed = new java.util.LinkedHashMap<>();
        List<String> keys = new java.util.ArrayList<>(s.aligned().keySet());
        java.util.Collections.reverse(keys);
        keys.forEach(k -> reversed.put(k, s.aligned().get(k)));
        Summary r = new Summary(s.name(), s.description(), s.projectVersion(), s.gitCommit(), s.seeds(), s.spec(),
            reversed, s.unaligned(), s.methods(), s.trials(), s.failures(), s.spectrum(), s.analyses(), s.wallSeconds());
        assertEquals(SummaryFiles.toJson(s), SummaryFiles.toJson(r));
        assertTrue(SummaryFiles.toJson(s).endsWith("}\n"));
        assertTrue(!SummaryFiles.toJson(s).contains("\r"));
    }

    @Test
    void writesAtomicallyAndReplaces() throws IOException {
        Path file = dir.resolve("sub/summary.json");
        SummaryFiles.write(SyntheticSummary.good(), file);
        SummaryFiles.write(SyntheticSummary.build(SyntheticSummary.AG_BAD_REFUSAL, SyntheticSummary.AG_GOOD_TASK), file);
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of("summary.json"), files.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
        }
        assertEquals(0.67, SummaryFiles.read(file).methods().get(1).metrics().get("refusal_unsafe").values()[1]);
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nowhere/summary.json");
        IOException e = assertThrows(IOException.class, () -> SummaryFiles.read(missing));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains(missing.toString()), e.getMessage());
        IOException d = assertThrows(IOException.class, () -> SummaryFiles.read(dir));
        assertTrue(d.getMessage().contains("is a directory"), d.getMessage());
    }

    @Test
    void malformedFilesAreRefusedWithFileAndPosition() throws IOException {
        Path file = dir.resolve("summary.json");
        Files.writeString(file, "{\n  \"name\": \"x\",\n  \"methods\": [ {\"method\": \"lora\", }\n", StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> SummaryFiles.read(file));
        assertTrue(e.getMessage().startsWith("malformed summary " + file), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());

        Files.writeString(file, "");
        assertTrue(assertThrows(IOException.class, () -> SummaryFiles.read(file)).getMessage().contains("empty"));

        Files.writeString(file, "[1, 2]");
        assertTrue(assertThrows(IOException.class, () -> SummaryFiles.read(file)).getMessage().contains(file.toString()));

        Files.writeString(file, "{\"name\": \"x\", \"finetune_seeds\": \"eleven\"}");
        assertTrue(assertThrows(IOException.class, () -> SummaryFiles.read(file)).getMessage().contains(file.toString()));

        Files.writeString(file, "{\"name\": \"x\", \"methods\": [{\"kind\": \"lora\"}]}");
        IOException noName = assertThrows(IOException.class, () -> SummaryFiles.read(file));
        assertTrue(noName.getMessage().contains("methods[0] has no \"method\""), noName.getMessage());
    }

    @Test
    void unknownPropertiesAreIgnored() throws IOException {
        Summary s = SummaryFiles.fromJson("{\"name\": \"x\", \"added_later\": {\"a\": 1}}", "future");
        assertEquals("x", s.name());
    }
}
