package dev.edgewise.engine;

/**
 * One generated token, as streamed to a {@link TokenListener}.
 *
 * @param branch  which branch produced it (0 when there is one)
 * @param index   0-based index among the branch's generated tokens
 * @param token   token id (-1 for a final flush of held-back text)
 * @param text    text that became final with this token (may be empty while a UTF-8 sequence or
 *                a possible stop string is incomplete)
 * @param logProb natural log-probability of the token under the model's raw distribution
 */
public record TokenEvent(int branch, int index, int token, String text, float logProb) {
}
