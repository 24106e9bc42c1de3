package dev.alignguard.proofs.gen;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.alignguard.model.safetensors.DType;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.StoredTensor;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Valid safetensors contents: up to 5 tensors with distinct names, any dtype, shapes of rank 0 to
 * 3 with sides 0 to 4 (so empty tensors and scalars occur), arbitrary data bytes (NaN payloads,
 * infinities, subnormals, -0 included), and up to 3 metadata entries. Names and metadata are made
 * of {@link #ATOMS}: plain, JSON-escaped, multi-byte UTF-8, a surrogate pair, whitespace.
 */
public final class SafetensorsFiles {

    /** Name pieces. */
    public static final List<String> ATOMS = List.of("a", "b", "w", "0", "7", ".", "_", "-", "\"", "\\", "/", " ", "\n", "é", "✓",
        "😀", "层");

    private SafetensorsFiles() {
    }

    /** Names of 0 to 6 atoms. */
    public static Gen<String> names() {
        return SourceDSL.lists().of(SourceDSL.arbitrary().pick(ATOMS)).ofSizeBetween(0, 6).map(l -> String.join("", l));
    }

    /** Shapes: 0 to 3 sides in [0, 4]. */
    public static Gen<long[]> shapes() {
        return SourceDSL.lists().of(SourceDSL.longs().between(0, 4)).ofSizeBetween(0, 3)
            .map(l -> l.stream().mapToLong(Long::longValue).toArray());
    }

    /** One tensor: a name, a dtype, a shape, and its data bytes drawn from a seed. */
    public static Gen<StoredTensor> tensors() {
        return names().zip(SourceDSL.arbitrary().enumValues(DType.class), shapes(), Gaussians.seeds(), (name, dtype, shape, seed) -> {
            byte[] bytes = new byte[Math.toIntExact(StoredTensor.elementCount(shape) * dtype.byteSize())];
            new Random(seed).nextBytes(bytes);
            return StoredTensor.ofBytes(name, dtype, shape, bytes);
        });
    }

    /** Whole files: 0 to 5 tensors with distinct names, 0 to 3 metadata entries. */
    public static Gen<SafetensorsFile> contents() {
        Gen<Integer> sizes = SourceDSL.integers().between(0, 5);
        Gen<StoredTensor> tensors = tensors();
        Gen<List<StoredTensor>> lists = in -> {
            int size = sizes.generate(in);
            List<StoredTensor> out = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int attempt = 0; out.size() < size && attempt < 4 * size; attempt++) {   // names must be distinct
                StoredTensor t = tensors.generate(in);
                if (seen.add(t.name())) {
                    out.add(t);
                }
            }
            return out;
        };
        Gen<Map<String, String>> metadata = SourceDSL.lists().of(names().zip(names(), (k, v) -> new String[] {k, v})).ofSizeBetween(0, 3)
            .map(entries -> {
                Map<String, String> m = new LinkedHashMap<>();
                for (String[] e : entries) {
                    m.put(e[0], e[1]);
                }
                return m;
            });
        return lists.zip(metadata, SafetensorsFile::of);
    }
}
