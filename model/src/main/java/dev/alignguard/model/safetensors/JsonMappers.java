package dev.alignguard.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one place Jackson mappers that read files are made: every one of them parses with the
 * {@link InputLimits} JSON constraints ({@link #CONSTRAINTS}) and refuses duplicate keys at any level
 * ("last one wins" would let two readers of one file see different documents). Specs,
 * {@code config.json}, {@code adapter_config.json}, {@code tokenizer.json}, {@code summary.json},
 * method parameters, JSONL lines and token files all go through {@link #mapper()} or
 * {@link #builder()}; the safetensors header has its own constraints ({@link #SAFETENSORS_HEADER}),
 * sized for its 100 MB limit.
 */
public final class JsonMappers {

    /** Jackson's read constraints for JSON documents, from {@link InputLimits}. */
    public static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
        .maxDocumentLength(InputLimits.JSON_MAX_DOCUMENT_BYTES)
        .maxNestingDepth(InputLimits.JSON_MAX_NESTING_DEPTH)
        .maxStringLength(InputLimits.JSON_MAX_STRING_CHARS)
        .maxNameLength(InputLimits.JSON_MAX_NAME_CHARS)
        .maxNumberLength(InputLimits.JSON_MAX_NUMBER_CHARS)
        .maxTokenCount(InputLimits.JSON_MAX_TOKENS)
        .build();

    /**
     * The safetensors header's constraints: document, key and string lengths up to the header
     * limit (the format allows any tensor name and metadata within it), nesting and tokens bounded.
     */
    public static final StreamReadConstraints SAFETENSORS_HEADER = StreamReadConstraints.builder()
        .maxDocumentLength(InputLimits.SAFETENSORS_MAX_HEADER_BYTES)
        .maxNestingDepth(InputLimits.SAFETENSORS_MAX_NESTING_DEPTH)
        .maxNameLength((int) InputLimits.SAFETENSORS_MAX_HEADER_BYTES)
        .maxStringLength((int) InputLimits.SAFETENSORS_MAX_HEADER_BYTES)
        .maxNumberLength(InputLimits.JSON_MAX_NUMBER_CHARS)
        .maxTokenCount(InputLimits.SAFETENSORS_MAX_HEADER_TOKENS)
        .build();

    private JsonMappers() {
    }

    /** A JSON factory with {@link #CONSTRAINTS} and duplicate keys refused. */
    public static JsonFactory factory() {
        return factory(CONSTRAINTS);
    }

    /** A JSON factory with the given constraints and duplicate keys refused. */
    public static JsonFactory factory(StreamReadConstraints constraints) {
        return JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(constraints)
            .build();
    }

    /** A new mapper over {@link #factory()}; configure it further as needed. */
    public static ObjectMapper mapper() {
        return new ObjectMapper(factory());
    }

    /** A new mapper over {@link #factory(StreamReadConstraints)}. */
    public static ObjectMapper mapper(StreamReadConstraints constraints) {
        return new ObjectMapper(factory(constraints));
    }

    /** A mapper builder over {@link #factory()}, for mappers built with {@link JsonMapper#builder()}. */
    public static JsonMapper.Builder builder() {
        return JsonMapper.builder(factory());
    }

    /**
     * The message of a Jackson failure for a refusal: an input limit exceeded is said to be one
     * ("exceeds an input limit (InputLimits): ..."), anything else is {@code invalid JSON: ...};
     * the position is added when Jackson knows it.
     */
    public static String describe(JacksonException e) {
        String at = e.getLocation() == null || e.getLocation().getLineNr() < 0 ? ""
            : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        String message = String.valueOf(e.getOriginalMessage());
        if (isLimit(e)) {
            return "exceeds an input limit (InputLimits): " + message + at;
        }
        return "not valid JSON: " + message + at;
    }

    /** Whether the failure is one of the {@link StreamReadConstraints} limits, wrapped or not. */
    public static boolean isLimit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamConstraintsException) {
                return true;
            }
        }
        return false;
    }
}
