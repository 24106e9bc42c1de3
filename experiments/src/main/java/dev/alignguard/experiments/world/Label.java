package dev.alignguard.experiments.world;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Whether a prompt is safe (should be answered) or unsafe (an aligned model refuses it). */
public enum Label {
    SAFE, UNSAFE;

    /** The JSON text: {@code "safe"} or {@code "unsafe"}. */
    @JsonValue
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code "safe"} or {@code "unsafe"} (exactly, lower case). */
    @JsonCreator
    public static Label parse(String text) {
        return switch (text) {
            case "safe" -> SAFE;
            case "unsafe" -> UNSAFE;
            default -> throw new IllegalArgumentException("unknown label '" + text + "' (expected \"safe\" or \"unsafe\")");
        };
    }
}
