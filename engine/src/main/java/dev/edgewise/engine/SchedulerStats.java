package dev.edgewise.engine;

/**
 * A snapshot of a model's scheduler (for metrics endpoints and tests).
 *
 * @param runningRequests    requests admitted and not finished
 * @param waitingRequests    requests queued for admission
 * @param runningSequences   KV sequences the running requests may hold at once (their branches)
 * @param kvBlocksUsed       KV blocks referenced by live sequences
 * @param kvBlocksCached     blocks holding a cached prefix (in use or evictable)
 * @param kvBlocksTotal      the pool's capacity in blocks
 * @param promptTokens       prompt tokens of finished and running requests since load
 * @param cachedPromptTokens of those, tokens served from the prefix cache instead of being evaluated
 * @param generatedTokens    tokens generated since load
 * @param steps              batched forward passes run by the scheduler since load
 * @param requestsFinished   requests completed (any outcome) since load
 */
public record SchedulerStats(int runningRequests, int waitingRequests, int runningSequences, int kvBlocksUsed,
                             int kvBlocksCached, int kvBlocksTotal, long promptTokens, long cachedPromptTokens,
                             long generatedTokens, long steps, long requestsFinished) {
}
