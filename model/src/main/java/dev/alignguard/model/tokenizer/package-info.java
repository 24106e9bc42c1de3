/**
 * The word-level tokenizer and its file format.
 */
package dev.alignguard.model.tokenizer;
