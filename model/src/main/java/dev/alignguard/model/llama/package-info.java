/**
 * The decoder-only transformer with Hugging Face LlamaForCausalLM semantics and parameter names. Uses autodiff and lora.
 */
package dev.alignguard.model.llama;
