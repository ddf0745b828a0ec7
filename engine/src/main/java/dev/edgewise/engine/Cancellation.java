package dev.edgewise.engine;

/**
 * A handle that stops a running request. Give it to {@code GenerationRequest.Builder.cancellation}
 * (or the reasoning request's), call {@link #cancel()} from any thread: every sequence of the
 * request finishes at the scheduler's next step boundary with {@link FinishReason#CANCELLED} and
 * its KV blocks return to the pool at once. A request still waiting for admission never starts.
 * One handle may cancel several requests. Thread-safe.
 */
public final class Cancellation {
    private volatile boolean cancelled;

    /** Asks every request holding this handle to stop; idempotent. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
