package dev.alignguard.proofs.gen;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Hostile input files for the readers' fuzz laws: random bytes, and valid files damaged by a few
 * mutations, each a pure function of a seed (see {@link Gaussians} for why seeds).
 *
 * <p>Mutations work on bytes (a bit flipped, a byte set, bytes inserted, a span deleted or repeated,
 * the file cut short, a line break added or removed) and on JSON as text (a number replaced by an
 * extreme one: negative, zero, {@code 2^31}, {@code 2^63}, {@code 1e309}, 100 digits...; a string by an
 * empty, long, control-character or surrogate-escape one; a value by another type; arrays nested
 * past the nesting limit; a key-value pair repeated; whitespace added). Byte positions are picked
 * in the text as ISO-8859-1, so each byte is one character and multi-byte UTF-8 survives every
 * mutation that does not land inside it.
 */
public final class FileMutations {

    /** Numbers that break assumptions: signs, int and long edges, overflowing doubles, lengths at the number limit. */
    static final List<String> EXTREME_NUMBERS = List.of("0", "-1", "-0", "1", "2", "3", "7", "64", "255", "65536",
        "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "1e308", "1e309", "-1e309", "1E-400", "0.5", "1.0", "-2.5", "3.4028235E38", "NaN",
        "Infinity", "-Infinity", "99999999999999999999999999999", "1" + "0".repeat(99), "1" + "0".repeat(120));

    /** Strings that break assumptions: empty, blank, long, control characters, lone surrogate escapes, specials. */
    static final List<String> ODD_STRINGS = List.of("\"\"", "\" \"", "\"" + "x".repeat(5000) + "\"", "\"\\u0000\"",
        "\"\\ud800\"", "\"\\udc00x\"", "\"<bos>\"", "\"<pad>\"", "\"a b\"", "\"\\n\"", "\"NaN\"", "\"é😀\"", "\"LORA\"",
        "\"llama\"", "\"safe\"", "\"unsafe\"", "\"all-linear\"", "\".*\"", "\"(\"", "\"F32\"", "\"BF16\"");

    /** Values of other types. */
    static final List<String> OTHER_VALUES = List.of("null", "true", "false", "[]", "{}", "[null]", "[1, 2]", "{\"a\": 1}",
        "\"\"", "0", "-1", "[[]]", "[{}]", "{\"\": null}");

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern VALUE = Pattern.compile(":\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d[\\d.eE+-]*|true|false|null|\\[\\]|\\{\\})");
    private static final Pattern PAIR = Pattern
        .compile("\"(?:[^\"\\\\]|\\\\.)*\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d[\\d.eE+-]*|true|false|null)");
    private static final int KINDS = 15;

    private FileMutations() {
    }

    /** A case of a fuzz law: a seed and how many mutations (or how many random bytes) to make from it. */
    public record Case(long seed, int size) {
    }

    /** Random-bytes cases: a seed and a length of 0 to 600 bytes (shrinks toward short inputs). */
    public static Gen<Case> randomBytes() {
        return Gaussians.seeds().zip(SourceDSL.integers().between(0, 600), Case::new);
    }

    /** Mutation cases: a seed and 1 to 6 mutations (shrinks toward one mutation). */
    public static Gen<Case> mutations() {
        return Gaussians.seeds().zip(SourceDSL.integers().between(1, 6), Case::new);
    }

    /**
     * {@code length} random bytes: uniformly random, or from a JSON-ish alphabet (braces, quotes,
     * digits, literals, line breaks), or JSON-ish after an 8-byte little-endian length prefix (what a
     * safetensors file starts with).
     */
    public static byte[] randomBytes(long seed, int length) {
        Random rnd = new Random(seed);
        byte[] out = new byte[length];
        String alphabet = "{}[]\":,0123456789.-+eE \n\r\ttruefalsnul\\/aFBS_<>";
        int style = rnd.nextInt(3);
        for (int i = 0; i < length; i++) {
            out[i] = style == 0 ? (byte) rnd.nextInt(256) : (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
        }
        if (style == 2 && length >= 8) {
            long claimed = rnd.nextBoolean() ? length - 8 : rnd.nextLong() >>> rnd.nextInt(64);
            for (int i = 0; i < 8; i++) {
                out[i] = (byte) (claimed >>> (8 * i));
            }
        }
        return out;
    }

    /** One of {@code valid}, picked by the seed, with {@code count} mutations applied. */
    public static byte[] mutate(List<byte[]> valid, long seed, int count) {
        Random rnd = new Random(seed);
        byte[] bytes = valid.get(rnd.nextInt(valid.size()));
        for (int i = 0; i < count; i++) {
            bytes = mutateOnce(bytes, rnd);
        }
        return bytes;
    }

    private static byte[] mutateOnce(byte[] in, Random rnd) {
        String s = new String(in, StandardCharsets.ISO_8859_1);
        int n = in.length;
        int at = n == 0 ? 0 : rnd.nextInt(n);
        String out = switch (rnd.nextInt(KINDS)) {
            case 0 -> { // flip a bit
                if (n == 0) {
                    yield s;
                }
                byte[] b = in.clone();
                b[at] ^= (byte) (1 << rnd.nextInt(rnd.nextInt(3) == 0 ? 8 : 7)); // mostly ASCII stays ASCII
                yield new String(b, StandardCharsets.ISO_8859_1);
            }
            case 1 -> n == 0 ? s : s.substring(0, at) + randomLatin1(rnd, 1) + s.substring(at + 1);
            case 2 -> s.substring(0, at) + randomLatin1(rnd, 1 + rnd.nextInt(8)) + s.substring(at);
            case 3 -> s.substring(0, at) + s.substring(Math.min(n, at + 1 + rnd.nextInt(16)));
            case 4 -> { // repeat a span somewhere else
                int to = Math.min(n, at + 1 + rnd.nextInt(64));
                int where = n == 0 ? 0 : rnd.nextInt(n + 1);
                yield s.substring(0, where) + s.substring(at, to) + s.substring(where);
            }
            case 5 -> s.substring(0, at); // cut short
            case 6, 7 -> replaceOne(s, NUMBER, rnd, EXTREME_NUMBERS, 0);
            case 8 -> replaceOne(s, STRING, rnd, ODD_STRINGS, 0);
            case 9 -> replaceOne(s, VALUE, rnd, OTHER_VALUES, 1);
            case 10 -> { // arrays nested around a value, up to past the nesting limit (64)
                int depth = 1 + rnd.nextInt(80);
                yield replaceOne(s, VALUE, rnd, List.of("[".repeat(depth) + "1" + "]".repeat(depth)), 1);
            }
            case 11 -> { // a key-value pair repeated (a duplicate key)
                Matcher m = PAIR.matcher(s);
                List<int[]> spans = spans(m);
                if (spans.isEmpty()) {
                    yield s;
                }
                int[] p = spans.get(rnd.nextInt(spans.size()));
                yield s.substring(0, p[1]) + ", " + s.substring(p[0], p[1]) + s.substring(p[1]);
            }
            case 12 -> s.substring(0, at) + (rnd.nextBoolean() ? "\n" : " \t ") + s.substring(at); // whitespace, a line break
            case 13 -> { // a line break removed, or two lines swapped
                String[] lines = s.split("\n", -1);
                if (lines.length < 2) {
                    yield s;
                }
                int i = rnd.nextInt(lines.length - 1);
                if (rnd.nextBoolean()) {
                    lines[i] = lines[i] + lines[i + 1];
                    lines[i + 1] = "";
                } else {
                    String t = lines[i];
                    lines[i] = lines[i + 1];
                    lines[i + 1] = t;
                }
                yield String.join("\n", lines);
            }
            default -> replaceOne(s, NUMBER, rnd, List.of(Integer.toString(rnd.nextInt(2000) - 1000)), 0); // a plausible number
        };
        return out.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Replaces one match of {@code pattern} (or its {@code group}) with one of {@code choices}; unchanged without a match. */
    private static String replaceOne(String s, Pattern pattern, Random rnd, List<String> choices, int group) {
        Matcher m = pattern.matcher(s);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(group), m.end(group)});
        }
        if (spans.isEmpty()) {
            return s;
        }
        int[] p = spans.get(rnd.nextInt(spans.size()));
        String choice = choices.get(rnd.nextInt(choices.size()));
        // the replacement goes in as UTF-8 bytes, read here as ISO-8859-1 like the rest
        return s.substring(0, p[0]) + new String(choice.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)
            + s.substring(p[1]);
    }

    private static List<int[]> spans(Matcher m) {
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        return spans;
    }

    /** Random bytes as ISO-8859-1 text: any byte a quarter of the time, else printable ASCII (which keeps UTF-8 valid). */
    private static String randomLatin1(Random rnd, int length) {
        char[] c = new char[length];
        boolean any = rnd.nextInt(4) == 0;
        for (int i = 0; i < length; i++) {
            c[i] = (char) (any ? rnd.nextInt(256) : 0x20 + rnd.nextInt(0x5f));
        }
        return new String(c);
    }

    /** The bytes as text for a failure message: printable ASCII kept, the rest escaped, cut at 2,000 characters. */
    public static String show(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : Arrays.copyOf(bytes, Math.min(bytes.length, 2000))) {
            int c = x & 0xff;
            b.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return b + (bytes.length > 2000 ? "... (" + bytes.length + " bytes)" : "");
    }
}
