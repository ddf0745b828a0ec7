package dev.edgewise.engine;

/**
 * Where a generation's time went, in nanoseconds.
 *
 * @param promptTokens    tokens evaluated as prompt
 * @param promptNanos     from the request to the prompt's last logits (waiting for admission included)
 * @param firstTokenNanos time from the request to the first generated token (TTFT)
 * @param generatedTokens tokens generated, all branches together
 * @param decodedTokens   of those, the ones sampled from decode steps (each branch's first token
 *                        comes from the prompt pass)
 * @param decodeSteps     batched forward passes after the prompt
 * @param decodeNanos     time from the first token to the end
 * @param kvPeakBytes     most KV-cache bytes in use at once (blocks held by the prompt and branches)
 * @param cachedPromptTokens prompt tokens served from the prefix cache (not evaluated; counted in
 *                        {@code promptTokens})
 */
public record Timings(int promptTokens, long promptNanos, long firstTokenNanos, int generatedTokens,
                      int decodedTokens, int decodeSteps, long decodeNanos, long kvPeakBytes, int cachedPromptTokens) {

    /** Timings without prefix-cache hits. */
    public Timings(int promptTokens, long promptNanos, long firstTokenNanos, int generatedTokens, int decodedTokens, int decodeSteps,
                   long decodeNanos, long kvPeakBytes) {
        this(promptTokens, promptNanos, firstTokenNanos, generatedTokens, decodedTokens, decodeSteps, decodeNanos, kvPeakBytes, 0);
    }

    /** Prompt tokens evaluated (those served from the prefix cache excluded) per second. */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : (promptTokens - cachedPromptTokens) * 1e9 / promptNanos;
    }

    /** Aggregate decode speed over every branch: decoded tokens per second. */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodedTokens * 1e9 / decodeNanos;
    }

    public double timeToFirstTokenMillis() {
        return firstTokenNanos / 1e6;
    }

    /** Mean wall time of one batched decode step. */
    public double stepMillis() {
        return decodeSteps == 0 ? 0 : decodeNanos / 1e6 / decodeSteps;
    }
}
