package dev.alignguard.tour;

import static dev.alignguard.tour.Check.fmt;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.ejml.data.DMatrixRMaj;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.SymmetricEigen;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.hf.AdapterFiles;
import dev.alignguard.model.hf.LoadedAdapters;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.StoredTensor;

/**
 * Chapter 1: LoRA as a low-rank update. A frozen layer W0 (out x in) gets {@code dW = s B A}
 * (A: r x in, B: out x r, s = lora_alpha / r); the update has rank r; merging W0 + dW gives the
 * same outputs as running the adapter beside the frozen layer; the adapter is saved as peft reads it.
 */
public final class Chapter1Lora {

    private Chapter1Lora() {
    }

    public static void main(String[] args) {
        System.exit(Tour.runChapter(Tour.CHAPTERS.get(0), System.out) ? 0 : 1);
    }

    public static void run(PrintStream out) throws IOException {
        Check check = new Check(out);
        Kernels kernels = Backends.create("scalar", 1);
        // A tiny decoder: vocab 32, hidden 16, MLP 32, one layer, 2 heads, 8 positions.
        LlamaConfig config = new LlamaConfig(32, 16, 32, 1, 2, 2, 8, 1e-5, 10000.0);
        LlamaModel model = LlamaModel.initialize(config, 1);
        int[] tokens = {3, 14, 15, 9, 26, 5, 3, 5};                     // one sequence of 8 tokens
        float[] base = logits(model, kernels, tokens);                  // [8 x 32]

        out.println("""
            A linear layer computes y = x W0^T with W0: out x in. LoRA freezes W0 and learns
              dW = s B A,   A: r x in (random at init),  B: out x r (zero at init),  s = lora_alpha / r,
            so y = x W0^T + s (x A^T) B^T. Here: r = 4, lora_alpha = 8 (s = 2) on q_proj and v_proj (16 x 16).
            """);
        LoraConfig lora = LoraConfig.of(4, 8, "q_proj", "v_proj");
        Map<String, LoraAdapter> adapters = model.attachLora(lora, 7);
        check.equal("adapters on the two targeted modules", List.copyOf(adapters.keySet()),
            List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj"));
        check.near("s = lora_alpha / r", lora.scaling(), 2.0, 0);
        check.near("a fresh adapter changes nothing (B = 0): max |logits - base logits|",
            Tour.maxAbsDiff(logits(model, kernels, tokens), base), 0, 0);
        check.equal("only A and B train (W0 frozen): trainable tensors", model.trainableParameters().size(), 4);

        // Stand in for training: give B some values, so dW is no longer zero.
        Random rnd = new Random(11);
        for (LoraAdapter a : adapters.values()) {
            float[] b = a.b().data();                                   // [16 x 4]
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.1 * rnd.nextGaussian());
            }
        }
        Linear q = model.linear("model.layers.0.self_attn.q_proj");
        LoraAdapter qa = q.adapter();
        float[] dw = qa.deltaWeightValues(kernels);                     // [16 x 16], row-major
        int out16 = q.outFeatures(), in16 = q.inFeatures(), r = qa.rank();
        float[] byHand = new float[out16 * in16];                       // s * sum_k B[i][k] A[k][j]
        for (int i = 0; i < out16; i++) {
            for (int j = 0; j < in16; j++) {
                double sum = 0;
                for (int k = 0; k < r; k++) {
                    sum += qa.b().get(i, k) * qa.a().get(k, j);
                }
                byHand[i * in16 + j] = (float) (qa.scaling() * sum);
            }
        }
        check.atMost("deltaWeight equals s B A computed by hand: max |diff|", Tour.maxAbsDiff(dw, byHand), 1e-6);

        // rank(dW) = number of nonzero singular values = nonzero eigenvalues of dW^T dW (in x in).
        DMatrixRMaj gram = new DMatrixRMaj(in16, in16);
        for (int a = 0; a < in16; a++) {
            for (int b = 0; b < in16; b++) {
                double sum = 0;
                for (int i = 0; i < out16; i++) {
                    sum += (double) dw[i * in16 + a] * dw[i * in16 + b];
                }
                gram.set(a, b, sum);
            }
        }
        EigenPairs eig = SymmetricEigen.all(gram);
        int rank = 0;
        for (double v : eig.values()) {
            rank += v > 1e-8 * eig.value(0) ? 1 : 0;
        }
        out.println(fmt("singular values of dW (16 x 16): %.4f %.4f %.4f %.4f, then %.1e (rounding)",
            Math.sqrt(eig.value(0)), Math.sqrt(eig.value(1)), Math.sqrt(eig.value(2)), Math.sqrt(eig.value(3)),
            Math.sqrt(Math.max(0, eig.value(4)))));
        check.equal("rank(dW) = r", rank, r);
        long full = 4096L * 4096, loraParams = 8L * (4096 + 4096);
        out.println(fmt("""
            Parameters: a full update of a 4096 x 4096 layer has %,d entries; LoRA with r = 8 trains
            r (in + out) = %,d, that is %.2f%%.""", full, loraParams, 100.0 * loraParams / full));
        check.near("LoRA's share of a 4096 x 4096 layer at r = 8, in percent", 100.0 * loraParams / full, 0.390625, 1e-12);

        // Merge: W = W0 + dW, one product instead of two; outputs agree up to float rounding.
        float[] unmerged = logits(model, kernels, tokens);
        float[] w0 = q.weight().data().clone();
        model.mergeAdapters(kernels);
        float[] merged = logits(model, kernels, tokens);
        check.atMost("merged forward equals unmerged forward: max |logits diff|", Tour.maxAbsDiff(merged, unmerged), 1e-5);
        check.atMost("merged weight is W0 + dW: max |W - (W0 + dW)|", maxDiffSum(q.weight().data(), w0, dw), 1e-6);
        model.unmergeAdapters(kernels);
        check.atMost("unmerge restores W0 (to float rounding): max |W - W0|", Tour.maxAbsDiff(q.weight().data(), w0), 1e-6);

        // The files peft reads: adapter_model.safetensors and adapter_config.json.
        Path dir = Files.createTempDirectory("tour-adapter");
        try {
            AdapterFiles.save(model, lora, dir);
            SafetensorsFile file = Safetensors.read(dir.resolve(AdapterFiles.WEIGHTS_FILE));
            out.println("\n" + dir.getFileName() + "/" + AdapterFiles.WEIGHTS_FILE + ":");
            for (StoredTensor t : file.tensors().values()) {
                out.println(fmt("  %-62s %s %s", t.name(), t.dtype(), java.util.Arrays.toString(t.shape())));
            }
            StoredTensor storedA = file.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
            StoredTensor storedB = file.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
            check.equal("tensors in the file (A and B per module)", file.tensors().size(), 4);
            check.equal("lora_A shape is [r, in]", java.util.Arrays.toString(storedA.shape()), "[4, 16]");
            check.equal("lora_B shape is [out, r]", java.util.Arrays.toString(storedB.shape()), "[16, 4]");
            out.println("\n" + AdapterFiles.CONFIG_FILE + ":\n" + Files.readString(dir.resolve(AdapterFiles.CONFIG_FILE)).strip());
            LoraConfig read = AdapterFiles.readConfig(dir.resolve(AdapterFiles.CONFIG_FILE));
            check.that("adapter_config.json gives back r and lora_alpha", read.r() == 4 && read.loraAlpha() == 8,
                "r " + read.r() + ", lora_alpha " + read.loraAlpha());

            // A fresh copy of the base model with the loaded adapter computes the same logits.
            LlamaModel again = LlamaModel.initialize(config, 1);
            LoadedAdapters loaded = AdapterFiles.load(dir);
            loaded.attachTo(again, 7);
            check.near("reloaded adapter on a fresh base: max |logits diff|",
                Tour.maxAbsDiff(logits(again, kernels, tokens), unmerged), 0, 0);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** Logits of one sequence, [T x vocab] row-major. */
    static float[] logits(LlamaModel model, Kernels kernels, int[] tokens) {
        return model.forward(Graph.inference(kernels), tokens, 1, tokens.length).data().clone();
    }

    /** max |w - (w0 + dw)|. */
    private static double maxDiffSum(float[] w, float[] w0, float[] dw) {
        double m = 0;
        for (int i = 0; i < w.length; i++) {
            m = Math.max(m, Math.abs((double) w[i] - (w0[i] + dw[i])));
        }
        return m;
    }
}
