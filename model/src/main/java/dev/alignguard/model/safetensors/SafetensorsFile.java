package dev.alignguard.model.safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The content of a safetensors file: its tensors by name and its {@code __metadata__} strings.
 * Equality is by content (see {@link StoredTensor#equals}); the iteration order of {@code tensors} is
 * the header's order when read, the given order when built.
 *
 * @param tensors  tensors by name (each tensor's own name equals its key)
 * @param metadata the optional string-to-string metadata; empty when the file has none
 */
public record SafetensorsFile(Map<String, StoredTensor> tensors, Map<String, String> metadata) {

    /** Copies both maps into unmodifiable, order-preserving ones and checks keys against names. */
    public SafetensorsFile {
        LinkedHashMap<String, StoredTensor> t = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            Objects.requireNonNull(v, "tensor " + k);
            if (!k.equals(v.name())) {
                throw new IllegalArgumentException("key '" + k + "' holds tensor '" + v.name() + "'");
            }
            t.put(k, v);
        });
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        metadata.forEach((k, v) -> m.put(Objects.requireNonNull(k, "metadata key"), Objects.requireNonNull(v, "metadata value")));
        tensors = Collections.unmodifiableMap(t);
        metadata = Collections.unmodifiableMap(m);
    }

    /** Content from a list of tensors with distinct names. */
    public static SafetensorsFile of(Iterable<StoredTensor> tensors, Map<String, String> metadata) {
        LinkedHashMap<String, StoredTensor> byName = new LinkedHashMap<>();
        for (StoredTensor t : tensors) {
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            }
        }
        return new SafetensorsFile(byName, metadata);
    }

    /** Reads a file; see {@link Safetensors#read(Path)}. */
    public static SafetensorsFile read(Path file) throws IOException {
        return Safetensors.read(file);
    }

    /** Writes this content atomically; see {@link Safetensors#write(Path, SafetensorsFile)}. */
    public void write(Path file) throws IOException {
        Safetensors.write(file, this);
    }

    /** The tensor with this name. */
    public StoredTensor tensor(String name) {
        StoredTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "' (have " + tensors.keySet() + ")");
        }
        return t;
    }

    /** Whether a tensor with this name is present. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }
}
