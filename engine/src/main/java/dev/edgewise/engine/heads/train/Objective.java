package dev.edgewise.engine.heads.train;

/** A differentiable loss over a flat parameter vector, as the optimiser sees it. */
interface Objective {
    /** Number of parameters. */
    int size();

    /** The loss at {@code params}; writes its gradient into {@code grad} (same length) when grad is not null. */
    double loss(double[] params, double[] grad);
}
