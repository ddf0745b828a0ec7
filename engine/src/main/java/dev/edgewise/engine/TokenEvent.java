package dev.edgewise.engine;

/**
 * One generated token, as streamed to a {@link TokenListener}.
 *
 * @param branch           which branch produced it (0 when there is one)
 * @param index            0-based index among the branch's generated tokens
 * @param token            token id (-1 for a final flush of held-back text)
 * @param text             raw text that became final with this token, thinking markers included (may be
 *                         empty while a UTF-8 sequence or a possible stop string is incomplete)
 * @param logProb          natural log-probability of the token under the model's raw distribution
 * @param reasoningContent thinking text that became final with this token (see {@link ThinkingSplitter}:
 *                         markers and surrounding whitespace excluded; may lag behind {@code text})
 * @param content          answer text that became final with this token
 */
public record TokenEvent(int branch, int index, int token, String text, float logProb, String reasoningContent, String content) {
    /** An event whose text is all answer (no thinking separation). */
    public TokenEvent(int branch, int index, int token, String text, float logProb) {
        this(branch, index, token, text, logProb, "", text);
    }
}
