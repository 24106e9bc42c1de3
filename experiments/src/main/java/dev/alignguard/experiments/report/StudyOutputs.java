package dev.alignguard.experiments.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.alignguard.experiments.results.Summary;

/** Writes a study's outputs: summary.json (atomically), then the report and plots. */
public final class StudyOutputs {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StudyOutputs() {
    }

    public static void write(Summary summary, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve("summary.json");
        Path tmp = dir.resolve("summary.json.tmp");
        JSON.writeValue(tmp.toFile(), summary);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
