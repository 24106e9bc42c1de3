package dev.alignguard.experiments.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The studies that reproduce the paper, shipped as spec files under {@code /presets/} on the class
 * path; each can be printed ({@code alignguard presets --show NAME}), copied and edited.
 */
public final class Presets {

    public static final List<String> NAMES = List.of("quickstart", "baseline-drift", "ablation", "lambda-grid",
        "m-sensitivity", "subspace-stability", "collision-ablation", "forgetting-scaling", "reprojection", "adaptive", "continual", "full",
        "moe");

    private Presets() {
    }

    /** The raw JSON of a preset. */
    public static String text(String name) throws IOException {
        try (InputStream in = Presets.class.getResourceAsStream("/presets/" + name + ".json")) {
            if (in == null) {
                throw new IOException("no preset named '" + name + "'; presets: " + String.join(", ", NAMES));
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public static ExperimentSpec load(String name) throws IOException {
        try (InputStream in = Presets.class.getResourceAsStream("/presets/" + name + ".json")) {
            if (in == null) {
                throw new IOException("no preset named '" + name + "'; presets: " + String.join(", ", NAMES));
            }
            return ExperimentSpec.parse(in, "preset " + name);
        }
    }

    /** A preset name, or a path to a spec file. */
    public static ExperimentSpec resolve(String presetOrPath) throws IOException {
        Path p = Path.of(presetOrPath);
        if (presetOrPath.endsWith(".json") || Files.exists(p)) {
            return ExperimentSpec.read(p);
        }
        return load(presetOrPath);
    }

    /** How messages name what {@link #resolve} reads: the file's path, or {@code preset NAME}. */
    public static String source(String presetOrPath) {
        Path p = Path.of(presetOrPath);
        return presetOrPath.endsWith(".json") || Files.exists(p) ? p.toString() : "preset " + presetOrPath;
    }

    /** name -> description. */
    public static Map<String, String> descriptions() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : NAMES) {
            out.put(n, load(n).description());
        }
        return out;
    }
}
