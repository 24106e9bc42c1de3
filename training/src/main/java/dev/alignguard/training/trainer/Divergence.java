package dev.alignguard.training.trainer;

import java.util.Locale;

/**
 * When a stage counts as diverged although every number is still finite. The trainer stops a stage
 * (with {@link TrainingDivergedException}) when
 * <ul>
 *   <li>its loss (the {@code task} term where the objective reports one, else the total) stays above
 *       {@code lossFactor} times the stage's first-step loss for {@code window} consecutive steps
 *       (in a stage with fewer than {@code window + 1} steps: for every step after the first), or</li>
 *   <li>the gradient norm before clipping exceeds {@code gradNorm} at any step, or</li>
 *   <li>the norm of the trained parameters exceeds {@code weightFactor} times its value before the
 *       first step. With AdamW a runaway learning rate shows here first: each step moves every weight
 *       by about the learning rate whatever the gradient, the logits saturate, and the loss may stay
 *       bounded while the gradients vanish (a fine-tuning learning rate of 1e6 raises the loss only
 *       about 2.5-fold and its gradient norm falls to 1e-7, but the adapters' norm grows a millionfold).</li>
 * </ul>
 * A NaN or infinite loss term or gradient norm stops a stage at once, whatever these settings.
 * The watch only observes: it never changes a step, so a run that does not diverge is bit for bit
 * the run without it.
 *
 * <p>The defaults (10x for 20 steps, 1e4, 100x) are far from anything a healthy stage does here. In
 * the quickstart (pretrain, align and 60 fine-tuning trials) no step's loss exceeded 1.7 times its
 * stage's first, no gradient norm before clipping exceeded 43, and no stage grew its trained
 * parameters' norm more than 2.4-fold; a learning rate of 1e6 crosses a bound within a few steps.
 *
 * @param lossFactor how far above its first-step value the loss may stay (> 1)
 * @param window     for how many consecutive steps (>= 1)
 * @param gradNorm   the largest gradient norm, before clipping, that counts as healthy (> 0)
 * @param weightFactor how far the trained parameters' norm may grow over its value before the first step (> 1)
 */
public record Divergence(double lossFactor, int window, double gradNorm, double weightFactor) {

    public static final double DEFAULT_LOSS_FACTOR = 10;
    public static final int DEFAULT_WINDOW = 20;
    public static final double DEFAULT_GRAD_NORM = 1e4;
    public static final double DEFAULT_WEIGHT_FACTOR = 100;

    public Divergence {
        if (!(lossFactor > 1) || Double.isInfinite(lossFactor)) {
            throw new IllegalArgumentException("divergence loss_factor must be a finite number > 1, got " + lossFactor);
        }
        if (window < 1) {
            throw new IllegalArgumentException("divergence window must be >= 1 step, got " + window);
        }
        if (!(gradNorm > 0)) {
            throw new IllegalArgumentException("divergence grad_norm must be > 0, got " + gradNorm);
        }
        if (!(weightFactor > 1)) {
            throw new IllegalArgumentException("divergence weight_factor must be > 1, got " + weightFactor);
        }
    }

    public static Divergence defaults() {
        return new Divergence(DEFAULT_LOSS_FACTOR, DEFAULT_WINDOW, DEFAULT_GRAD_NORM, DEFAULT_WEIGHT_FACTOR);
    }

    /** A watch over a stage of {@code steps} steps in all, named {@code stage} in its messages. */
    public Watch watch(String stage, int steps) {
        return new Watch(this, stage, steps);
    }

    /** The state of one stage's run: its first loss and the current run of steps above the bound. */
    public static final class Watch {

        private final Divergence settings;
        private final String stage;
        private final int window;
        private double initial = Double.NaN;
        private int initialStep = -1;
        private int above;
        private double initialWeights = Double.NaN;

        Watch(Divergence settings, String stage, int steps) {
            this.settings = settings;
            this.stage = stage;
            this.window = Math.max(1, Math.min(settings.window, steps - 1));
        }

        /** The watch's state after the steps it saw, for a checkpoint ({@link #restore} reads it back). */
        public String state() {
            return initialStep + " " + Double.doubleToRawLongBits(initial) + " " + above + " "
                + Double.doubleToRawLongBits(initialWeights);
        }

        /**
         * Continues from a {@link #state()} saved with a checkpoint, so a resumed stage judges
         * divergence exactly as the uninterrupted one would.
         *
         * @throws IllegalArgumentException when the text is not a saved state
         */
        public void restore(String state) {
            String[] f = state.trim().split(" ");
            try {
                if (f.length != 4) {
                    throw new NumberFormatException(state);
                }
                initialStep = Integer.parseInt(f[0]);
                initial = Double.longBitsToDouble(Long.parseLong(f[1]));
                above = Integer.parseInt(f[2]);
                initialWeights = Double.longBitsToDouble(Long.parseLong(f[3]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a saved divergence watch state: '" + state + "'");
            }
        }

        /** Records the trained parameters' norm before the first step (a resumed watch keeps its saved one). */
        public void start(double weightNorm) {
            if (Double.isNaN(initialWeights)) {
                initialWeights = weightNorm;
            }
        }

        /**
         * Observes one finished step's loss, gradient norm (before clipping) and the trained parameters'
         * norm after the update.
         *
         * @throws TrainingDivergedException naming the stage, the step and the values
         */
        public void observe(int step, double loss, double gradNorm, double weightNorm) {
            if (!Double.isFinite(weightNorm)) {
                throw new TrainingDivergedException(stage, step, "weight norm", "the trained parameters' norm is " + weightNorm);
            }
            if (weightNorm > settings.weightFactor * initialWeights && initialWeights > 0) {
                throw new TrainingDivergedException(stage, step, "weight norm", String.format(Locale.ROOT,
                    "the trained parameters' norm %.4g is more than %s x its value %.4g before the first step"
                        + " (divergence.weight_factor %s)",
                    weightNorm, compact(settings.weightFactor), initialWeights,
                    compact(settings.weightFactor)));
            }
            if (gradNorm > settings.gradNorm) {
                throw new TrainingDivergedException(stage, step, "gradient norm",
                    String.format(Locale.ROOT, "gradient norm %.4g before clipping exceeds divergence.grad_norm %.4g", gradNorm,
                        settings.gradNorm));
            }
            if (initialStep < 0) {
                initial = loss;
                initialStep = step;
                return;
            }
            if (loss > settings.lossFactor * initial) {
                above++;
                if (above >= window) {
                    throw new TrainingDivergedException(stage, step, "loss", String.format(Locale.ROOT,
                        "loss %.4g has stayed above %s x its value %.4g at step %d for %d steps (divergence.loss_factor %s,"
                            + " window %d)",
                        loss, compact(settings.lossFactor), initial, initialStep, above,
                        compact(settings.lossFactor), settings.window));
                }
            } else {
                above = 0;
            }
        }

        private static String compact(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
        }
    }
}
