package dev.alignguard.model.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraConfig;

/**
 * Graphs whose buffers come from a {@link BufferPool}: the same bits as fresh arrays, step after
 * step; the second step served from the first step's buffers; no buffer reachable after its graph.
 */
class PooledGraphTest {

    private static final LlamaConfig CONFIG = new LlamaConfig(40, 32, 72, 2, 4, 2, 16, 1e-5, 10000.0);
    private static final int BATCH = 4;
    private static final int SEQ = 16;

    /** A LoRA model with dropout and seeded batches; each step is forward, backward and a plain SGD update. */
    private static final class Training {
        private final Kernels kernels;
        private final LlamaModel model = LlamaModel.initialize(CONFIG, 7);
        private final List<Tensor> params;
        private final Random rnd = new Random(11);
        private final boolean[] mask = new boolean[BATCH * SEQ];
        private int step;

        Training(Kernels kernels) {
            this.kernels = kernels;
            model.attachLora(LoraConfig.of(4, 8, "q_proj", "v_proj", "down_proj").withDropout(0.1), 3);
            params = model.trainableParameters();
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i % 3 != 0;
            }
        }

        /** Runs steps on fresh arrays (pool null) or pooled ones; adds copies of each step's logits, loss and gradients to seen (when not null). */
        void run(BufferPool pool, int steps, List<float[]> seen) {
            for (int s = 0; s < steps; s++, step++) {
                int[] tokens = rnd.ints(BATCH * SEQ, 0, CONFIG.vocabSize()).toArray();
                int[] targets = rnd.ints(BATCH * SEQ, 0, CONFIG.vocabSize()).toArray();
                model.reseedDropout(step);
                params.forEach(Tensor::zeroGrad);
                Graph g = pool == null ? Graph.training(kernels) : Graph.training(kernels, pool);
                try (g) {
                    Tensor logits = model.forward(g, tokens, BATCH, SEQ);
                    Tensor loss = NeuralOps.crossEntropy(g, logits, targets, mask);
                    if (seen != null) {
                        seen.add(logits.data().clone());
                    }
                    g.backward(loss);
                    if (seen != null) {
                        seen.add(new float[] {loss.item()});
                    }
                }
                for (Tensor p : params) {
                    if (seen != null) {
                        seen.add(p.grad().clone());
                    }
                    float[] d = p.data(), gr = p.grad();
                    for (int i = 0; i < d.length; i++) {
                        d[i] -= 0.5f * gr[i];
                    }
                }
            }
        }
    }

    @Test
    void aReusedGraphGivesTheBitsOfAFreshOne() {
        List<float[]> fresh = new ArrayList<>(), pooled = new ArrayList<>();
        new Training(new VectorKernels(2)).run(null, 4, fresh);
        new Training(new VectorKernels(2)).run(BufferPool.checked(), 4, pooled);
        assertEquals(fresh.size(), pooled.size());
        for (int i = 0; i < fresh.size(); i++) {
            assertArrayEquals(bits(fresh.get(i)), bits(pooled.get(i)), "array " + i + " differs between fresh and pooled buffers");
        }
        int perStep = fresh.size() / 4;
        assertTrue(fresh.get(1)[0] != fresh.get(1 + 3 * perStep)[0], "the steps moved the model (not vacuous)");
    }

    @Test
    void theSecondStepIsServedFromTheFirstStepsBuffers() {
        BufferPool pool = BufferPool.create();
        Training t = new Training(new VectorKernels(1));
        t.run(pool, 1, null);
        long created = pool.createdArrays(), lent = pool.lentArrays();
        assertTrue(created > 0 && lent >= created);
        t.run(pool, 1, null);
        assertEquals(created, pool.createdArrays(), "the second step created arrays");
        assertEquals(2 * lent, pool.lentArrays(), "the second step borrowed as many arrays as the first");
    }

    @Test
    void aPooledStepAllocatesAFractionOfAFreshOne() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        BufferPool pool = BufferPool.create();
        // the scalar kernels: the Vector API allocates a box per vector until the JIT compiles it
        Training fresh = new Training(ScalarKernels.INSTANCE), pooled = new Training(ScalarKernels.INSTANCE);
        fresh.run(null, 2, null); // class loading, rope tables, first pool fill
        pooled.run(pool, 2, null);
        long t0 = threads.getThreadAllocatedBytes(self);
        fresh.run(null, 5, null);
        long freshBytes = threads.getThreadAllocatedBytes(self) - t0;
        t0 = threads.getThreadAllocatedBytes(self);
        pooled.run(pool, 5, null);
        long pooledBytes = threads.getThreadAllocatedBytes(self) - t0;
        // what is left per pooled step: the graph's bookkeeping (tensor objects, backward closures), the batch
        assertTrue(pooledBytes < 0.1 * freshBytes, "5 pooled steps allocated " + pooledBytes + " bytes, 5 fresh steps "
            + freshBytes);
    }

    @Test
    void aClosedGraphLeavesNoBufferReachable() {
        BufferPool pool = BufferPool.checked();
        Kernels k = new VectorKernels(1);
        Tensor w = Tensor.parameter("w", 4, 3, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        Tensor x = Tensor.of(2, 3, new float[] {1, -1, 2, 0.5f, 3, -2});
        Tensor y, hidden;
        try (Graph g = Graph.training(k, pool)) {
            hidden = MatrixOps.linear(g, x, w);                         // 2 x 4
            y = MatrixOps.sumOfSquares(g, NeuralOps.silu(g, hidden));
            g.backward(y);
            assertThrows(IllegalStateException.class, hidden::grad, "an intermediate gradient after backward");
            assertTrue(w.grad()[0] != 0f);
        }
        assertThrows(IllegalStateException.class, y::item);
        assertThrows(IllegalStateException.class, hidden::data);
        assertThrows(IllegalStateException.class, () -> hidden.get(0, 0));
        assertEquals(12, w.data().length); // parameters and constants are never lent
        assertEquals(6, x.data().length);
    }

    @Test
    void aCheckedPoolCatchesAWriteThroughAKeptArray() {
        BufferPool pool = BufferPool.checked();
        Kernels k = new VectorKernels(1);
        Tensor x = Tensor.of(2, 2, new float[] {1, 2, 3, 4});
        float[] kept;
        try (Graph g = Graph.inference(k, pool)) {
            kept = MatrixOps.scale(g, x, 2f).data();
        }
        kept[1] = 5f; // a bug: writing into a buffer its graph gave back
        try (Graph g = Graph.inference(k, pool)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> MatrixOps.scale(g, x, 3f));
            assertTrue(e.getMessage().contains("written after its graph was closed"), e.getMessage());
        }
    }

    /** A buffer asked for by outputToOverwrite keeps what it held (no zero-fill); output zero-fills as before. */
    @Test
    void aBufferToOverwriteIsLentWithoutItsZeroFill() {
        BufferPool pool = BufferPool.unchecked();
        Kernels k = new VectorKernels(1);
        Tensor x = Tensor.of(2, 2, new float[] {1, 2, 3, 4});
        try (Graph g = Graph.inference(k, pool)) {
            MatrixOps.scale(g, x, 2f);                       // its output {2, 4, 6, 8} goes back to the pool
        }
        try (Graph g = Graph.inference(k, pool)) {
            assertArrayEquals(new float[] {2, 4, 6, 8}, g.outputToOverwrite(2, 2, x).data());
        }
        try (Graph g = Graph.inference(k, pool)) {
            assertArrayEquals(new float[4], g.output(2, 2, x).data());
        }
    }

    /** A checked pool lends buffers to overwrite full of NaN, new or reused, so an element an op leaves unwritten shows. */
    @Test
    void aCheckedPoolLendsBuffersToOverwriteAsNaN() {
        BufferPool pool = BufferPool.checked();
        Kernels k = new VectorKernels(1);
        Tensor x = Tensor.of(1, 3, new float[] {1, 2, 3});
        for (int round = 0; round < 2; round++) {                // new, then reused
            try (Graph g = Graph.inference(k, pool)) {
                for (float v : g.outputToOverwrite(1, 3, x).data()) {
                    assertTrue(Float.isNaN(v), "round " + round + ": " + v);
                }
                for (float v : g.scratchToOverwrite(3)) {
                    assertTrue(Float.isNaN(v), "round " + round + " scratch: " + v);
                }
            }
        }
    }

    @Test
    void aCheckedPoolRefusesASecondThread() throws Exception {
        BufferPool pool = BufferPool.checked();
        Kernels k = new VectorKernels(1);
        Tensor x = Tensor.of(1, 2, new float[] {1, 2});
        try (Graph g = Graph.inference(k, pool)) {
            MatrixOps.scale(g, x, 2f);
        }
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try (Graph g = Graph.inference(k, pool)) {
                MatrixOps.scale(g, x, 2f);
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join();
        assertTrue(failure[0] instanceof IllegalStateException, String.valueOf(failure[0]));
    }

    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = Float.floatToRawIntBits(x[i]);
        }
        return b;
    }
}
