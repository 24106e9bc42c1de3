package dev.alignguard.training.trainer;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.training.data.Batch;

/**
 * What training minimises: builds the loss of one micro-batch on a recording graph. The task loss
 * plus whatever penalties the method adds; each named term is logged on its own.
 */
public interface Objective {

    Loss compute(Graph g, Batch batch, int step);

    /** A short name for logs. */
    String name();
}
