package dev.alignguard.experiments.results;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a run's folder keeps besides results and logs ({@code --keep}), as paths relative to the run
 * folder: per base its model folders (Hugging Face layout, with {@code tokenizer.json}) and the
 * alignment set its Fisher spectrum was estimated on; per trial (with {@code --keep all}) its adapter
 * folder (peft layout).
 *
 * @param keep     {@code none}, {@code bases} or {@code all}
 * @param bases    the kept bases, in base-seed order (empty with {@code none})
 * @param adapters the kept trial adapters, in trial order (empty unless {@code all})
 */
public record KeptFiles(@JsonProperty("keep") String keep,
                        @JsonProperty("bases") List<Base> bases,
                        @JsonProperty("adapters") List<Adapter> adapters) {

    /**
     * One base: {@code key} is its folder name under {@code bases/}, {@code unaligned} and {@code aligned}
     * its model folders, {@code alignment_set} its alignment examples as JSON Lines.
     */
    public record Base(@JsonProperty("base_seed") long baseSeed,
                       @JsonProperty("key") String key,
                       @JsonProperty("unaligned") String unaligned,
                       @JsonProperty("aligned") String aligned,
                       @JsonProperty("alignment_set") String alignmentSet) {
    }

    /**
     * One trial's adapter folder (for hard projection and Safe-LoRA the update as a dense LoRA: see
     * {@code TrialAdapter}).
     */
    public record Adapter(@JsonProperty("method") String method,
                          @JsonProperty("strength") double strength,
                          @JsonProperty("base_seed") long baseSeed,
                          @JsonProperty("seed") long seed,
                          @JsonProperty("adapter") String adapter) {
    }
}
