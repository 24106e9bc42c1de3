/** Mixture-of-experts measurements: where a model routes a set of prompts, and how that routing drifts under fine-tuning. */
package dev.alignguard.training.moe;
