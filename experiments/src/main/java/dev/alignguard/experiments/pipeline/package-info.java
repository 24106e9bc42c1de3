/**
 * Running a study: expanding a spec into trials, building base models once, running trials on an executor (local threads, or one found through the service loader), and summarising. Uses spec, method, world, eval and results.
 */
package dev.alignguard.experiments.pipeline;
