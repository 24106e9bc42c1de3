/**
 * The safetensors format: a reader that checks every offset and size against the file, a writer, stored tensors, and atomic file writes. Depends on nothing else of the project.
 */
package dev.alignguard.model.safetensors;
