package dev.edgewise.engine;

/**
 * A finished generation.
 *
 * @param text         generated text (stop string excluded)
 * @param tokens       generated token ids (the end-of-generation token, if any, excluded)
 * @param logProbs     log-probability of each generated token
 * @param promptTokens the prompt as token ids
 * @param finishReason why it stopped
 * @param timings      prompt, first-token and decode times
 */
public record GenerationResult(String text, int[] tokens, float[] logProbs, int[] promptTokens,
                               FinishReason finishReason, Timings timings) {
}
