package dev.edgewise.engine;

/**
 * Logits of every position of a token sequence.
 *
 * @param tokens  the prompt followed by the greedily generated tokens
 * @param nPrompt how many of {@code tokens} were given
 * @param rows    rows[i] = logits after token i (predicting token i+1)
 */
public record LogitsTrace(int[] tokens, int nPrompt, float[][] rows) {
}
