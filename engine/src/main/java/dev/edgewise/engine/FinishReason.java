package dev.edgewise.engine;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token. */
    END_OF_GENERATION,
    /** A stop string appeared in the text. */
    STOP_STRING,
    /** The token budget was used up. */
    MAX_TOKENS,
    /** The sequence reached the context size. */
    CONTEXT_FULL,
    /** The KV block pool ran out of blocks; the branch stopped cleanly. */
    CACHE_FULL,
    /** Budget forcing stopped the branch: its answer allowance after forcing, or the response cap, was used up. */
    BUDGET,
    /** The request was cancelled through its {@link Cancellation}; its blocks were released. */
    CANCELLED
}
