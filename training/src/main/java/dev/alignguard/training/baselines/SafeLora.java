package dev.alignguard.training.baselines;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaModel;

/**
 * Safe-LoRA-style post-hoc projection (Hsu et al., 2024). Per adapted layer, the alignment matrix
 * {@code V = W_aligned - W_unaligned} (dOut x dIn) defines {@code C = V V^T / ||V||_F} (dOut x dOut).
 * After fine-tuning, a layer whose update is far from its projection,
 * {@code cos(dW, C dW) < threshold}, has its update replaced by {@code C dW}; the others keep theirs.
 * Following the paper, C is V V^T scaled by the Frobenius norm, not an exact projector.
 */
public final class SafeLora {

    /** What happened to one layer. */
    public record LayerDecision(String layer, double similarity, boolean projected) {
    }

    private SafeLora() {
    }

    /**
     * Applies the projection to the model's adapted layers (installed as a fixed update transform).
     * @param aligned   the aligned model (stage 1)
     * @param unaligned the unaligned model (stage 0)
     * @param kernels   the run's kernels (the projection's matrix products run on them)
     */
    public static Map<String, LayerDecision> apply(LlamaModel model, LlamaModel aligned, LlamaModel unaligned,
                                                   double threshold, Kernels kernels) {
        Map<String, LayerDecision> decisions = new LinkedHashMap<>();
        for (var e : model.adapters().entrySet()) {
            String layer = e.getKey();
            Tensor wa = aligned.parameters().get(layer + ".weight");
            Tensor wu = unaligned.parameters().get(layer + ".weight");
            int dOut = wa.rows(), dIn = wa.cols();
            float[] v = new float[wa.size()];
            double vNorm2 = 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = wa.data()[i] - wu.data()[i];
                vNorm2 += (double) v[i] * v[i];
            }
            Graph g = Graph.inference(kernels);
            Tensor vt = Tensor.of(dOut, dIn, v);
            Tensor c = MatrixOps.scale(g, MatrixOps.matmul(g, vt, false, vt, true),
                (float) (1.0 / Math.max(Math.sqrt(vNorm2), 1e-30)));                     // dOut x dOut
            Linear linear = model.linear(layer);
            Tensor dw = linear.effectiveDelta(g);
            Tensor cdw = MatrixOps.matmul(g, c, false, dw, false);
            double dot = 0, n1 = 0, n2 = 0;
            for (int i = 0; i < dw.size(); i++) {
                dot += (double) dw.data()[i] * cdw.data()[i];
                n1 += (double) dw.data()[i] * dw.data()[i];
                n2 += (double) cdw.data()[i] * cdw.data()[i];
            }
            double similarity = dot / (Math.sqrt(n1 * n2) + 1e-30);
            boolean project = similarity < threshold;
            if (project) {
                Tensor constant = c.copy();
                linear.setDeltaTransform((graph, delta) -> MatrixOps.matmul(graph, constant, false, delta, false));
            }
            decisions.put(layer, new LayerDecision(layer, similarity, project));
        }
        return decisions;
    }
}
