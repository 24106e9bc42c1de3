package dev.alignguard.training.optim;

import java.util.List;

import dev.alignguard.model.autodiff.Tensor;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's {@code torch.optim.AdamW}:
 * <pre>
 *   p <- p - lr * wd * p
 *   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
 *   p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 * The moment buffers are part of the checkpointed state ({@link #state()}), so a resumed run
 * continues bit for bit.
 */
public final class AdamW {

    /** Hyper-parameters; the learning rate here is the peak, the schedule scales it per step. */
    public record Settings(double learningRate, double beta1, double beta2, double eps, double weightDecay) {
        public Settings {
            if (!(learningRate > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)
                || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("invalid AdamW settings: lr " + learningRate + ", betas ("
                    + beta1 + ", " + beta2 + "), eps " + eps + ", weight decay " + weightDecay);
            }
        }

        public static Settings of(double learningRate, double weightDecay) {
            return new Settings(learningRate, 0.9, 0.999, 1e-8, weightDecay);
        }
    }

    private final List<Tensor> params;
    private final Settings settings;
    private final float[][] m;
    private final float[][] v;
    private long step;

    public AdamW(List<Tensor> params, Settings settings) {
        this.params = List.copyOf(params);
        this.settings = settings;
        this.m = new float[params.size()][];
        this.v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).size()];
            v[i] = new float[params.get(i).size()];
        }
    }

    public List<Tensor> parameters() {
        return params;
    }

    public Settings settings() {
        return settings;
    }

    /** Steps taken so far. */
    public long stepCount() {
        return step;
    }

    /** One update with the given learning rate (already scheduled), from the parameters' gradients. */
    public void step(double learningRate) {
        step++;
        float lr = (float) learningRate;
        float b1 = (float) settings.beta1(), b2 = (float) settings.beta2();
        float bc1 = (float) (1 - Math.pow(settings.beta1(), step));
        float bc2 = (float) (1 - Math.pow(settings.beta2(), step));
        float eps = (float) settings.eps();
        float decay = (float) (1 - learningRate * settings.weightDecay());
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            float[] w = p.data(), g = p.grad(), mi = m[i], vi = v[i];
            for (int j = 0; j < w.length; j++) {
                mi[j] = b1 * mi[j] + (1 - b1) * g[j];
                vi[j] = b2 * vi[j] + (1 - b2) * g[j] * g[j];
                float mhat = mi[j] / bc1, vhat = vi[j] / bc2;
                w[j] = w[j] * decay - lr * mhat / ((float) Math.sqrt(vhat) + eps);
            }
        }
    }

    /** The moment buffers, in parameter order: first moments then second moments. */
    public State state() {
        return new State(step, m, v);
    }

    /** Restores a checkpointed state (shapes must match the parameters). */
    public void restore(State s) {
        if (s.first().length != params.size() || s.second().length != params.size()) {
            throw new IllegalArgumentException("optimizer state has " + s.first().length + " parameters, expected " + params.size());
        }
        for (int i = 0; i < params.size(); i++) {
            if (s.first()[i].length != m[i].length || s.second()[i].length != v[i].length) {
                throw new IllegalArgumentException("optimizer state for " + params.get(i).name() + " has "
                    + s.first()[i].length + " values, expected " + m[i].length);
            }
            System.arraycopy(s.first()[i], 0, m[i], 0, m[i].length);
            System.arraycopy(s.second()[i], 0, v[i], 0, v[i].length);
        }
        step = s.step();
    }

    /** Step count and moment buffers (views, not copies). */
    public record State(long step, float[][] first, float[][] second) {
    }
}
