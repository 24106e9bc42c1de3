package dev.alignguard.proofs.gen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import dev.alignguard.model.lora.LoraConfig;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/** LoRA shapes: ranks, and whole adapter configurations in peft's terms (r, lora_alpha, dropout, rsLoRA, targets). */
public final class LoraShapes {

    /** The leaf names of the tiny Llama's linear layers. */
    public static final List<String> LEAVES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
        "down_proj", "lm_head");

    /** Target regexes in peft's {@code target_modules} string form, and {@code all-linear}. */
    public static final List<String> PATTERNS = List.of("model\\.layers\\.0\\..*", ".*\\.(q|v)_proj", "lm_head|.*down_proj",
        LoraConfig.ALL_LINEAR);

    private LoraShapes() {
    }

    /** LoRA ranks r in [1, maxRank] (shrinks toward 1). */
    public static Gen<Integer> ranks(int maxRank) {
        return SourceDSL.integers().between(1, maxRank);
    }

    /** 1 to 4 distinct leaf names, in a random order. */
    public static Gen<List<String>> leafTargets() {
        return SourceDSL.integers().between(1, 4).zip(Gaussians.seeds(), (size, seed) -> {
            List<String> leaves = new ArrayList<>(LEAVES);
            Collections.shuffle(leaves, new Random(seed));
            return List.copyOf(leaves.subList(0, size));
        });
    }

    /**
     * Adapter configurations: r in [1, 5], lora_alpha one of 1, 4, 16, 0.5, 3.25, dropout 0 or 0.1,
     * rsLoRA or not, and targets either a list of leaf names or a regex / {@code all-linear}.
     */
    public static Gen<LoraConfig> configs() {
        Gen<Double> alpha = SourceDSL.arbitrary().pick(1.0, 4.0, 16.0, 0.5, 3.25);
        Gen<Double> dropout = SourceDSL.arbitrary().pick(0.0, 0.1);
        Gen<Object> targets = Generate.oneOf(leafTargets().map(l -> (Object) l), SourceDSL.arbitrary().pick(PATTERNS).map(s -> (Object) s));
        return ranks(5).zip(alpha, dropout, SourceDSL.booleans().all(), targets, (r, a, d, rs, t) -> {
            @SuppressWarnings("unchecked")
            LoraConfig c = t instanceof List<?> l ? LoraConfig.of(r, a, ((List<String>) l).toArray(String[]::new))
                : t.equals(LoraConfig.ALL_LINEAR) ? LoraConfig.of(r, a, LoraConfig.ALL_LINEAR) : LoraConfig.matching(r, a, (String) t);
            return c.withDropout(d).withRslora(rs);
        });
    }
}
