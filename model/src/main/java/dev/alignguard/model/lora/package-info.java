/**
 * LoRA adapters with peft conventions (A random, B zero, scaling lora_alpha / r) and the transforms installed on an adapted layer.
 */
package dev.alignguard.model.lora;
