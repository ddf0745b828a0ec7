package dev.edgewise.engine.sched;

import java.util.concurrent.CompletableFuture;

/**
 * One request inside the {@link Scheduler}: a small state machine that the scheduler thread
 * advances at step boundaries. It is admitted ({@link #start}), contributes rows to each step
 * ({@link #plan}), receives their logits through its {@link LogitsSink}s, moves between its phases
 * ({@link #afterStep}) and, once {@link #done}, has every KV sequence released
 * ({@link #releaseAll}) before its {@link #result} completes the caller's future.
 *
 * <p>All methods run on the scheduler thread; a job that throws fails alone (its sequences are
 * released, its caller gets the exception).
 *
 * @param <R> the result handed to the caller
 */
public abstract class Job<R> {
    final CompletableFuture<R> future = new CompletableFuture<>();
    /** Rows this job put into forward passes (prompt, decode and verification). */
    long forwardRows;

    /** Most KV sequences the job holds at once (for the scheduler's sequence limit). */
    protected abstract int sequences();

    /** Whether the caller asked to stop. */
    protected abstract boolean cancelRequested();

    /**
     * Admission at a step boundary: opens the job's first KV sequences (prefix-cache lookups,
     * reservations). A {@link dev.edgewise.engine.kv.KvCacheFullException} makes the scheduler
     * release what was taken and retry later, or fail the job if nothing else runs.
     */
    protected abstract void start(Scheduler scheduler);

    /** Adds this step's rows. */
    protected abstract void plan(Step step);

    /** After the step's logits were delivered: phase changes, new sequences. */
    protected abstract void afterStep(Scheduler scheduler);

    protected abstract boolean done();

    /** Finishes every live sequence as cancelled (the job is then done). */
    protected abstract void cancel();

    /** Returns every KV sequence still held to the pool (also after a failure). */
    protected abstract void releaseAll(Scheduler scheduler);

    protected abstract R result();

    /** Rows this job put into forward passes so far. */
    public long forwardRows() {
        return forwardRows;
    }

    /** Prompt tokens of the request, and of those the ones served from the prefix cache (for statistics). */
    protected int promptTokens() {
        return 0;
    }

    protected int cachedPromptTokens() {
        return 0;
    }

    protected int generatedTokens() {
        return 0;
    }
}
