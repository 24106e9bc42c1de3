package dev.alignguard.experiments.spec;

import java.nio.file.Path;

import dev.alignguard.model.safetensors.InputFormatException;

/**
 * A spec that cannot be read: not JSON, beyond the input limits, or not a valid study. The message
 * reads {@code invalid spec SOURCE[ WHERE]: PROBLEM}, where the source is the file (or the preset)
 * and WHERE the field or the line and column at fault, e.g.
 * {@code invalid spec my-study.json at field 'fisher.m': ...}.
 */
public final class SpecFormatException extends InputFormatException {

    private static final long serialVersionUID = 1L;

    /**
     * @param file    the spec file (for a preset, its resource path)
     * @param source  how to name it in the message (the file, or "preset NAME")
     * @param where   the field or position at fault, with a leading space, or ""
     * @param problem what is wrong
     */
    public SpecFormatException(Path file, String source, String where, String problem) {
        super("invalid spec " + source + where + ": " + problem, file, (where.isBlank() ? "" : where.strip() + ": ") + problem);
    }

    /** A refusal of the whole file (for {@code InputLimits.Refusal}). */
    public SpecFormatException(Path file, String problem) {
        this(file, file.toString(), "", problem);
    }
}
