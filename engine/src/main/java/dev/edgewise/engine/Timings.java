package dev.edgewise.engine;

/**
 * Where a generation's time went, in nanoseconds.
 *
 * @param promptTokens tokens evaluated as prompt
 * @param promptNanos  time to evaluate them
 * @param firstTokenNanos time from the request to the first generated token (TTFT)
 * @param generatedTokens tokens generated
 * @param decodeNanos  time spent generating after the first token
 */
public record Timings(int promptTokens, long promptNanos, long firstTokenNanos, int generatedTokens, long decodeNanos) {

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** Decode speed over the tokens after the first (the first is paid by the prompt). */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 || generatedTokens < 2 ? 0 : (generatedTokens - 1) * 1e9 / decodeNanos;
    }

    public double timeToFirstTokenMillis() {
        return firstTokenNanos / 1e6;
    }
}
