package dev.alignguard.experiments.report;

import java.nio.file.Path;

import dev.alignguard.model.safetensors.InputFormatException;

/**
 * A {@code summary.json} that cannot be read: not UTF-8, not JSON, beyond the input limits, or not a
 * summary. The message reads {@code malformed summary SOURCE[ (line L, column C)]: PROBLEM}.
 */
public final class SummaryFormatException extends InputFormatException {

    private static final long serialVersionUID = 1L;

    /**
     * @param file    the summary file (or, for text from elsewhere, its source as a path)
     * @param source  how to name it in the message
     * @param where   the position at fault, with a leading space, or ""
     * @param problem what is wrong
     */
    public SummaryFormatException(Path file, String source, String where, String problem) {
        super("malformed summary " + source + where + ": " + problem, file, (where.isBlank() ? "" : where.strip() + ": ") + problem);
    }

    /** A refusal of the whole file (for {@code InputLimits.Refusal}). */
    public SummaryFormatException(Path file, String problem) {
        this(file, file.toString(), "", problem);
    }
}
