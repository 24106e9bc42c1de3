/**
 * Model and adapter folders in the Hugging Face / peft layout (config.json, model.safetensors, adapter_config.json, adapter_model.safetensors). Uses safetensors, llama and lora.
 */
package dev.alignguard.model.hf;
