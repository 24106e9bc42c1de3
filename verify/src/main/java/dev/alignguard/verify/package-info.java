/**
 * {@code alignguard verify}: runs the laws of the proofs module (its test classes, as a jar) through
 * the JUnit Platform launcher, with more examples, a chosen seed, backend and model, prints a
 * progress line per law and writes a verification report. Uses the proofs harness and the
 * experiments module; nothing depends on it.
 */
package dev.alignguard.verify;
