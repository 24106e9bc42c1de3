package dev.alignguard.proofs.gen;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * Corrupt safetensors files: the damage done to a valid file's bytes, one {@link Corruption} at a
 * time. Most change the 8-byte length prefix or the JSON header (bit flips, lengths set or shifted,
 * truncation, inserted or deleted bytes, a scrambled header, and structural {@link JsonEdit}s:
 * offsets, shapes and dtypes changed, fields removed or added, duplicate keys, entries of the wrong
 * type); {@link FlipData} only touches tensor data, which is legal.
 */
public final class CorruptSafetensors {

    private CorruptSafetensors() {
    }

    /** 1 to 3 corruptions of any kind (weights: JSON edits 6, header flips 3, truncation and data flips 2, others 1). */
    public static Gen<List<Corruption>> corruptions() {
        Gen<Integer> pos = SourceDSL.integers().between(0, Integer.MAX_VALUE);
        Gen<Integer> mask = SourceDSL.integers().between(1, 255);
        Gen<byte[]> garbage = bytes(1, 16);
        Gen<Long> lengths = Generate.oneOf(SourceDSL.longs().all(),
            SourceDSL.arbitrary().pick(-1L, Long.MIN_VALUE, Long.MAX_VALUE, 100_000_000L, 100_000_001L, 1L << 32, 0L, 1L, 7L));
        Gen<Corruption> one = Generate.frequency(
            Pair.of(2, pos.map(Truncate::new)),
            Pair.of(3, pos.zip(mask, FlipHeader::new)),
            Pair.of(2, pos.zip(mask, FlipData::new)),
            Pair.of(1, lengths.map(SetHeaderLength::new)),
            Pair.of(1, SourceDSL.integers().between(-16, 16).map(ShiftHeaderLength::new)),
            Pair.of(6, SourceDSL.integers().between(0, JsonEdit.KINDS - 1).zip(pos, pos, SourceDSL.longs().all(), JsonEdit::new)),
            Pair.of(1, garbage.map(AppendGarbage::new)),
            Pair.of(1, pos.zip(garbage, InsertBytes::new)),
            Pair.of(1, pos.zip(SourceDSL.integers().between(1, 16), DeleteBytes::new)),
            Pair.of(1, SourceDSL.longs().all().map(ScrambleHeader::new)));
        return SourceDSL.lists().of(one).ofSizeBetween(1, 3);
    }

    /** 1 to 8 flips of data bytes only. */
    public static Gen<List<Corruption>> dataFlips() {
        Gen<Corruption> flip = SourceDSL.integers().between(0, Integer.MAX_VALUE).zip(SourceDSL.integers().between(1, 255), FlipData::new);
        return SourceDSL.lists().of(flip).ofSizeBetween(1, 8);
    }

    /** Byte arrays of {@code min} to {@code max} arbitrary bytes. */
    static Gen<byte[]> bytes(int min, int max) {
        return SourceDSL.lists().of(SourceDSL.integers().between(Byte.MIN_VALUE, Byte.MAX_VALUE)).ofSizeBetween(min, max)
            .map(l -> {
                byte[] b = new byte[l.size()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) (int) l.get(i);
                }
                return b;
            });
    }

    /** One change to a file's bytes; records, so that a failure report says exactly what was done. */
    public sealed interface Corruption permits Truncate, FlipHeader, FlipData, SetHeaderLength, ShiftHeaderLength, JsonEdit,
        AppendGarbage, InsertBytes, DeleteBytes, ScrambleHeader {
        byte[] apply(byte[] file);
    }

    /** End of the header as the prefix claims it, clamped to the file (the prefix may already be corrupt). */
    static int headerEnd(byte[] f) {
        if (f.length < 8) {
            return f.length;
        }
        long n = ByteBuffer.wrap(f, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n < 0 || n > f.length - 8 ? f.length : (int) (8 + n);
    }

    public record Truncate(int at) implements Corruption {
        public byte[] apply(byte[] f) {
            return Arrays.copyOf(f, at % Math.max(1, f.length));
        }
    }

    /** Flips bits of one byte in the prefix or the header. */
    public record FlipHeader(int at, int mask) implements Corruption {
        public byte[] apply(byte[] f) {
            int end = headerEnd(f);
            byte[] g = f.clone();
            if (end > 0) {
                g[at % end] ^= (byte) mask;
            }
            return g;
        }
    }

    /** Flips bits of one data byte; legal, the file must still read. */
    public record FlipData(int at, int mask) implements Corruption {
        public byte[] apply(byte[] f) {
            int start = headerEnd(f);
            byte[] g = f.clone();
            if (f.length > start) {
                g[start + at % (f.length - start)] ^= (byte) mask;
            }
            return g;
        }
    }

    public record SetHeaderLength(long value) implements Corruption {
        public byte[] apply(byte[] f) {
            byte[] g = f.length >= 8 ? f.clone() : Arrays.copyOf(f, 8);
            ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            return g;
        }
    }

    public record ShiftHeaderLength(int delta) implements Corruption {
        public byte[] apply(byte[] f) {
            if (f.length < 8) {
                return f;
            }
            byte[] g = f.clone();
            ByteBuffer b = ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(0, b.getLong(0) + delta);
            return g;
        }
    }

    public record AppendGarbage(byte[] bytes) implements Corruption {
        public byte[] apply(byte[] f) {
            byte[] g = Arrays.copyOf(f, f.length + bytes.length);
            System.arraycopy(bytes, 0, g, f.length, bytes.length);
            return g;
        }

        @Override
        public String toString() {
            return "AppendGarbage" + Arrays.toString(bytes);
        }
    }

    public record InsertBytes(int at, byte[] bytes) implements Corruption {
        public byte[] apply(byte[] f) {
            int p = at % (f.length + 1);
            byte[] g = new byte[f.length + bytes.length];
            System.arraycopy(f, 0, g, 0, p);
            System.arraycopy(bytes, 0, g, p, bytes.length);
            System.arraycopy(f, p, g, p + bytes.length, f.length - p);
            return g;
        }

        @Override
        public String toString() {
            return "InsertBytes[at=" + at + ", " + Arrays.toString(bytes) + "]";
        }
    }

    public record DeleteBytes(int at, int count) implements Corruption {
        public byte[] apply(byte[] f) {
            if (f.length == 0) {
                return f;
            }
            int p = at % f.length;
            int n = Math.min(count, f.length - p);
            byte[] g = new byte[f.length - n];
            System.arraycopy(f, 0, g, 0, p);
            System.arraycopy(f, p + n, g, p, f.length - p - n);
            return g;
        }
    }

    /** Replaces the header with random bytes of the same length. */
    public record ScrambleHeader(long seed) implements Corruption {
        public byte[] apply(byte[] f) {
            byte[] g = f.clone();
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = Math.min(8, g.length); i < headerEnd(f); i++) {
                g[i] = (byte) r.nextInt(256);
            }
            return g;
        }
    }

    /**
     * A structural edit of the JSON header (re-serialised, re-padded or not, prefix updated), the kind
     * of damage a buggy writer or a hand edit makes: offsets, shapes and dtypes changed to other valid
     * or invalid values, fields removed or added, entries or metadata of the wrong type, duplicate keys.
     */
    public record JsonEdit(int kind, int target, int pick, long number) implements Corruption {
        public static final int KINDS = 17;
        private static final ObjectMapper LENIENT = new ObjectMapper();
        private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
        private static final String[] DTYPES = {"F32", "F64", "F16", "BF16", "I32", "U8", "BOOL", "F8_E4M3", "", "f32", "F 32"};
        private static final String[] FIELDS = {"dtype", "shape", "data_offsets"};

        private JsonNode value() {
            return switch (pick % 12) {
                case 0 -> NODES.numberNode(number % 64);
                case 1 -> NODES.numberNode(Math.floorMod(number, 64L));
                case 2 -> NODES.numberNode(number);
                case 3 -> NODES.numberNode(BigInteger.ONE.shiftLeft(64).add(BigInteger.valueOf(number)));
                case 4 -> NODES.numberNode(1.5);
                case 5 -> NODES.numberNode(Long.MAX_VALUE);
                case 6 -> NODES.numberNode(-1);
                case 7 -> NODES.textNode("8");
                case 8 -> NODES.nullNode();
                case 9 -> NODES.booleanNode(true);
                case 10 -> NODES.arrayNode();
                default -> NODES.numberNode(Math.floorMod(number, 4096L));
            };
        }

        public byte[] apply(byte[] f) {
            int end = headerEnd(f);
            if (f.length < 8 || end <= 8) {
                return f;
            }
            JsonNode parsed;
            try {
                parsed = LENIENT.readTree(new String(f, 8, end - 8, StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                return f;   // an earlier corruption already broke the JSON
            }
            if (!(parsed instanceof ObjectNode root)) {
                return f;
            }
            List<String> names = new ArrayList<>();
            root.fieldNames().forEachRemaining(n -> {
                if (!n.equals("__metadata__")) {
                    names.add(n);
                }
            });
            String name = names.isEmpty() ? null : names.get(target % names.size());
            ObjectNode entry = name != null && root.get(name) instanceof ObjectNode o ? o : null;
            String json = null;
            switch (kind) {
                case 0, 1 -> {
                    if (entry != null && entry.get("data_offsets") instanceof ArrayNode a && a.size() == 2) {
                        a.set(kind, value());
                    }
                }
                case 2 -> {
                    if (entry != null && entry.get("shape") instanceof ArrayNode s) {
                        if (s.isEmpty()) {
                            s.add(value());
                        } else {
                            s.set(pick % s.size(), value());
                        }
                    }
                }
                case 3 -> {
                    if (entry != null && entry.get("shape") instanceof ArrayNode s) {
                        s.add(value());
                    }
                }
                case 4 -> {
                    if (entry != null && entry.get("shape") instanceof ArrayNode s && !s.isEmpty()) {
                        s.remove(s.size() - 1);
                    }
                }
                case 5 -> {
                    if (entry != null) {
                        entry.put("dtype", DTYPES[pick % DTYPES.length]);
                    }
                }
                case 6 -> {
                    if (entry != null) {
                        entry.remove(FIELDS[pick % FIELDS.length]);
                    }
                }
                case 7 -> {
                    if (entry != null) {
                        entry.set("extra", value());
                    }
                }
                case 8 -> {
                    if (name != null) {
                        root.set(name, value());
                    }
                }
                case 9 -> root.set("__metadata__", switch (pick % 5) {
                    case 0 -> NODES.arrayNode();
                    case 1 -> NODES.objectNode().set("k", value());
                    case 2 -> NODES.nullNode();
                    case 3 -> NODES.textNode("x");
                    default -> NODES.objectNode().put("k", "v");
                });
                case 10 -> {   // duplicate a key textually: Jackson's tree cannot hold one
                    List<String> keys = new ArrayList<>();
                    root.fieldNames().forEachRemaining(keys::add);
                    if (!keys.isEmpty()) {
                        String key = keys.get(target % keys.size());
                        String rest = root.toString();
                        json = "{" + NODES.textNode(key) + ":" + root.get(key) + "," + rest.substring(1);
                    }
                }
                case 11 -> {   // swap two tensors' offsets
                    if (names.size() >= 2 && entry != null && root.get(names.get(pick % names.size())) instanceof ObjectNode other
                        && entry.has("data_offsets") && other.has("data_offsets")) {
                        JsonNode tmp = entry.get("data_offsets");
                        entry.set("data_offsets", other.get("data_offsets"));
                        other.set("data_offsets", tmp);
                    }
                }
                case 12 -> {   // shift every offset: the tiling no longer starts at 0 or no longer reaches the end
                    long shift = number % 9;
                    for (String n : names) {
                        if (root.get(n) instanceof ObjectNode o && o.get("data_offsets") instanceof ArrayNode a) {
                            for (int i = 0; i < a.size(); i++) {
                                if (a.get(i).canConvertToLong()) {
                                    a.set(i, NODES.numberNode(a.get(i).longValue() + shift));
                                }
                            }
                        }
                    }
                }
                case 13 -> {
                    if (entry != null && entry.get("data_offsets") instanceof ArrayNode a) {
                        if (pick % 2 == 0 && !a.isEmpty()) {
                            a.remove(a.size() - 1);
                        } else {
                            a.add(value());
                        }
                    }
                }
                case 14 -> json = switch (pick % 4) {
                    case 0 -> "[]";
                    case 1 -> "1";
                    case 2 -> root + " " + root;
                    default -> "\"" + root + "\"";
                };
                case 15 -> {   // make a tensor claim another's bytes: an exact overlap (or a gap where it was)
                    if (entry != null && root.get(names.get(pick % names.size())) instanceof ObjectNode other) {
                        for (String field : FIELDS) {
                            if (other.has(field)) {
                                entry.set(field, other.get(field).deepCopy());
                            }
                        }
                    }
                }
                default -> {   // rename a tensor onto another's name or onto "__metadata__"
                    if (name != null) {
                        JsonNode v = root.remove(name);
                        String to = pick % 2 == 0 ? "__metadata__" : names.get(pick % names.size()) + "x";
                        root.set(to, v);
                    }
                }
            }
            if (json == null) {
                json = root.toString();
            }
            byte[] header = json.getBytes(StandardCharsets.UTF_8);
            int pad = number % 2 == 0 ? (8 - header.length % 8) % 8 : 0;
            ByteBuffer out = ByteBuffer.allocate(8 + header.length + pad + f.length - end).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(header.length + pad).put(header);
            for (int i = 0; i < pad; i++) {
                out.put((byte) ' ');
            }
            out.put(f, end, f.length - end);
            return out.array();
        }
    }
}
