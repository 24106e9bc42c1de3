/**
 * Study specs as JSON files a researcher copies and edits (world, model, stages, Fisher, methods, seeds), and the presets. Validated on reading; errors name the file and the field.
 */
package dev.alignguard.experiments.spec;
