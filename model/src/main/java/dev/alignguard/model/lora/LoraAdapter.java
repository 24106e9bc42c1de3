package dev.alignguard.model.lora;

import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;

/**
 * The low-rank update of one linear layer: {@code dW = s B A}.
 * <pre>
 *   A: r x in   (lora_A, random at init)
 *   B: out x r  (lora_B, zero at init)
 *   dW = s * B A : out x in
 * </pre>
 */
public final class LoraAdapter {

    private final Tensor a; // [r x in]
    private final Tensor b; // [out x r]
    private final float scaling;

    public LoraAdapter(Tensor a, Tensor b, float scaling) {
        if (a.rows() != b.cols()) {
            throw new IllegalArgumentException("LoRA A is " + a.shape() + " but B is " + b.shape() + ": ranks differ");
        }
        this.a = a;
        this.b = b;
        this.scaling = scaling;
    }

    /** peft's default initialisation: A ~ U(-1/sqrt(in), 1/sqrt(in)), B = 0. */
    public static LoraAdapter initialize(String modulePath, int out, int in, LoraConfig config, Random rnd) {
        int r = config.r();
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] av = new float[r * in];
        for (int i = 0; i < av.length; i++) {
            av[i] = (2f * rnd.nextFloat() - 1f) * bound;
        }
        Tensor a = Tensor.parameter(modulePath + ".lora_A.weight", r, in, av);
        Tensor b = Tensor.parameter(modulePath + ".lora_B.weight", out, r, new float[out * r]);
        return new LoraAdapter(a, b, config.scaling());
    }

    public Tensor a() {
        return a;
    }

    public Tensor b() {
        return b;
    }

    public float scaling() {
        return scaling;
    }

    public int rank() {
        return a.rows();
    }

    /** {@code s * x A^T B^T} for x: N x in, recorded on the graph (gradients flow into A and B). */
    public Tensor forward(Graph g, Tensor x) {
        Tensor xa = MatrixOps.linear(g, x, a);      // N x r
        Tensor xab = MatrixOps.linear(g, xa, b);    // N x out
        return MatrixOps.scale(g, xab, scaling);
    }

    /** The update {@code dW = s B A} (out x in) as a differentiable tensor, for the regularizers. */
    public Tensor deltaWeight(Graph g) {
        return MatrixOps.scale(g, MatrixOps.matmul(g, b, false, a, false), scaling);
    }

    /** The update {@code dW = s B A} (out x in) as plain values. */
    public float[] deltaWeightValues(Kernels kernels) {
        return deltaWeight(Graph.inference(kernels)).data();
    }
}
