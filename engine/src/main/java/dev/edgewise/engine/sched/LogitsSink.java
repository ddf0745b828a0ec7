package dev.edgewise.engine.sched;

/**
 * Receives the logits row of one row of a step (a prompt's last token, or a branch's new token).
 * After the forward pass the scheduler calls {@link #prepare} of every row, possibly in parallel
 * on the worker pool (each row's own work: masking, sampling), then {@link #accept} of every row
 * in row order on the scheduler thread.
 */
public interface LogitsSink {
    /** Independent per-row work; must touch only this row's state and its logits row. */
    default void prepare(float[] logits, int offset) {
    }

    /** Applies the row's result, in row order. */
    void accept(float[] logits, int offset);
}
