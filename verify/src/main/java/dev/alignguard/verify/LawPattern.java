package dev.alignguard.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The laws {@code --laws} selects: a comma-separated list of terms {@code CLASS} or
 * {@code CLASS#METHOD}, where {@code *} matches any run of characters and {@code ?} one. A term's
 * class part matches the law's test class or the interface that states the law, by simple name
 * ({@code BasisProjectorProperties}, {@code ProjectorLaws}), or by full name when it contains a dot;
 * a missing method part matches every law of the class. {@code ProjectorLaws#idempotent} selects the
 * law for every projector kind, {@code *Fisher*} every law of a class or interface whose name holds
 * "Fisher".
 */
public final class LawPattern {

    private record Term(Pattern type, boolean qualified, Pattern method) {
    }

    private final String text;
    private final List<Term> terms;

    private LawPattern(String text, List<Term> terms) {
        this.text = text;
        this.terms = terms;
    }

    /** Parses {@code text}; refuses an empty term or a term with two {@code #}. */
    public static LawPattern parse(String text) {
        List<Term> terms = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String term = raw.trim();
            int hash = term.indexOf('#');
            String type = hash < 0 ? term : term.substring(0, hash);
            String method = hash < 0 ? "*" : term.substring(hash + 1);
            if (type.isEmpty() || method.isEmpty() || method.contains("#")) {
                throw new IllegalArgumentException("--laws: '" + raw + "' is not CLASS or CLASS#METHOD (in '" + text + "')");
            }
            terms.add(new Term(glob(type), type.contains("."), glob(method)));
        }
        return new LawPattern(text, List.copyOf(terms));
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    /**
     * Whether the law {@code method} of the test class {@code testClass}, declared in
     * {@code declaringClass} (the class itself, or the laws interface it implements), is selected.
     */
    public boolean matches(Class<?> testClass, Class<?> declaringClass, String method) {
        for (Term t : terms) {
            if (t.method().matcher(method).matches() && (type(t, testClass) || type(t, declaringClass))) {
                return true;
            }
        }
        return false;
    }

    private static boolean type(Term t, Class<?> c) {
        return t.type().matcher(t.qualified() ? c.getName() : c.getSimpleName()).matches();
    }

    @Override
    public String toString() {
        return text;
    }
}
