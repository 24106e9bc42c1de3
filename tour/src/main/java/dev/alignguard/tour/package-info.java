/**
 * The guided tour for students: six chapters, each a small final class with a {@code main} and a
 * {@code run(PrintStream)} that prints what it shows and checks every number it prints
 * ({@link dev.alignguard.tour.Check}); a check that does not hold throws {@link java.lang.AssertionError}.
 * The chapters use only the project's public API. Run them with {@code ./alignguard tour N} (see tour/README.md).
 * <ol>
 *   <li>{@link dev.alignguard.tour.Chapter1Lora}: LoRA as a low-rank update;</li>
 *   <li>{@link dev.alignguard.tour.Chapter2Fisher}: Fisher information by the Gram trick;</li>
 *   <li>{@link dev.alignguard.tour.Chapter3Projectors}: projectors on vec(dW);</li>
 *   <li>{@link dev.alignguard.tour.Chapter4Loss}: the AlignGuard loss term by term;</li>
 *   <li>{@link dev.alignguard.tour.Chapter5Drift}: drift in thirty seconds;</li>
 *   <li>{@link dev.alignguard.tour.Chapter6Report}: reading a report.</li>
 * </ol>
 */
package dev.alignguard.tour;
