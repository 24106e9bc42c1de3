package dev.alignguard.tour;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import dev.alignguard.experiments.pipeline.LocalExecutor;
import dev.alignguard.experiments.pipeline.Study;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.math.kernels.Backend;

/** Runs the small studies of chapters 5 and 6 through the public pipeline, as {@code alignguard run} does. */
final class Studies {

    private Studies() {
    }

    /** Parses a spec written as JSON (the format of the presets). */
    static ExperimentSpec parse(String json, String name) throws IOException {
        return ExperimentSpec.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), name);
    }

    /**
     * The kernels: {@code -Dtour.backend=NAME}, default {@code vector} (fast; its float sums follow the
     * CPU's vector width, so another CPU can give other numbers); {@code scalar} is the reference, the same
     * on every machine, and about three times slower.
     */
    static final String BACKEND_PROPERTY = "tour.backend";

    /**
     * Runs the study in a temporary directory (removed afterwards) with its progress lines kept quiet.
     * Same spec and backend, same numbers, whatever the number of workers.
     */
    static Summary run(ExperimentSpec spec) throws IOException {
        int workers = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        Path dir = Files.createTempDirectory("tour-study");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        try {
            return new Study(spec, "tour", "none").run(new LocalExecutor(workers), dir, quiet,
                new Backend(System.getProperty(BACKEND_PROPERTY, "vector"), 1));
        } finally {
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
