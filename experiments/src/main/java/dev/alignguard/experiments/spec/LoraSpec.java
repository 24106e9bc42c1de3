package dev.alignguard.experiments.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.alignguard.model.lora.LoraConfig;

/** The adapters every method trains (peft field names). */
public record LoraSpec(@JsonProperty("r") int r,
                       @JsonProperty("lora_alpha") double loraAlpha,
                       @JsonProperty("lora_dropout") double loraDropout,
                       @JsonProperty("target_modules") List<String> targetModules) {

    public LoraConfig toConfig() {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, null, false);
    }
}
