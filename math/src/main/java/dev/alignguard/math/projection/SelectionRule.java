package dev.alignguard.math.projection;

/**
 * How many leading eigen-directions a projector keeps, shared by every projector kind.
 *
 * <ul>
 *   <li>{@link Rank}: the top m (fewer if fewer are available);</li>
 *   <li>{@link Energy}: the smallest m whose eigenvalues sum to at least {@code fraction * trace},
 *       e.g. 0.8: "80% of the Fisher's trace". If all available values together fall short (the
 *       solver returned only some of the spectrum, or rounding), all available are kept.</li>
 * </ul>
 * Meant for PSD spectra (a Fisher), given in descending order; for the energy rule the trace
 * must be known (finite, >= 0): a trace of 0 keeps nothing.
 */
public sealed interface SelectionRule permits SelectionRule.Rank, SelectionRule.Energy {

    /** Keep the top m. */
    static SelectionRule rank(int m) {
        return new Rank(m);
    }

    /** Keep the fewest leading directions reaching {@code fraction} (in (0, 1]) of the trace. */
    static SelectionRule energy(double fraction) {
        return new Energy(fraction);
    }

    /**
     * The number of leading values to keep.
     *
     * @param descending the available eigenvalues, largest first
     * @param trace      trace of the whole operator (sum of all its eigenvalues, including those
     *                   not in {@code descending}); NaN when unknown (only the rank rule accepts that)
     */
    int select(double[] descending, double trace);

    /** Keep the top {@code m >= 0}. */
    record Rank(int m) implements SelectionRule {
        public Rank {
            if (m < 0) {
                throw new IllegalArgumentException("rank must be >= 0, got " + m);
            }
        }

        @Override
        public int select(double[] descending, double trace) {
            return Math.min(m, descending.length);
        }
    }

    /** Keep the fewest leading values reaching {@code fraction} of the trace. */
    record Energy(double fraction) implements SelectionRule {
        public Energy {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("energy fraction must be in (0, 1], got " + fraction);
            }
        }

        @Override
        public int select(double[] descending, double trace) {
            if (!(trace >= 0) || Double.isInfinite(trace)) {
                throw new IllegalArgumentException("the energy rule needs the operator's trace (finite, >= 0), got "
                    + trace + "; use a rank rule when the trace is unknown");
            }
            if (trace == 0) {
                return 0;
            }
            double target = fraction * trace;
            double sum = 0;
            for (int k = 0; k < descending.length; k++) {
                sum += descending[k];
                if (sum >= target) {
                    return k + 1;
                }
            }
            return descending.length;
        }
    }
}
