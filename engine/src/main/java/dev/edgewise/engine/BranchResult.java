package dev.edgewise.engine;

import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tools.ToolCallParser;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One sampled branch of a generation.
 *
 * @param branch       index of the branch (its seed is the request's seed + branch)
 * @param text         generated raw text, thinking markers included (stop string excluded)
 * @param tokens       generated token ids (end-of-generation token excluded)
 * @param logProbs     log-probability of each generated token (NaN for tokens injected by budget forcing)
 * @param finishReason why it stopped
 * @param thinkingTokens tokens generated inside the thinking section (0 without budget forcing)
 * @param forcedAt     index of the first token budget forcing injected, or -1
 * @param waits        how many times a premature end of thinking was replaced by the wait text
 * @param reasoningContent the thinking part of {@code text} (see {@link ThinkingSplitter}), "" if none
 * @param content      the answer part of {@code text}: what follows the thinking section
 */
public record BranchResult(int branch, String text, int[] tokens, float[] logProbs, FinishReason finishReason,
                           int thinkingTokens, int forcedAt, int waits, String reasoningContent, String content) {

    /** A branch whose text was not split: all of it is answer. */
    public BranchResult(int branch, String text, int[] tokens, float[] logProbs, FinishReason finishReason,
                        int thinkingTokens, int forcedAt, int waits) {
        this(branch, text, tokens, logProbs, finishReason, thinkingTokens, forcedAt, waits, "", text);
    }

    /** Mean log-probability per sampled token (forced tokens, NaN, excluded; 0 if none): a confidence score. */
    public double meanLogProb() {
        double s = 0;
        int n = 0;
        for (float lp : logProbs) {
            if (!Float.isNaN(lp)) {
                s += lp;
                n++;
            }
        }
        return n == 0 ? 0 : s / n;
    }

    /**
     * The tool calls in the answer ({@link #content()}, after the thinking section), parsed by
     * {@link ToolCallParser} in the format the model wrote (Qwen's {@code <tool_call>} blocks or
     * DeepSeek-R1's tool-call tokens); empty if there are none or they are malformed. Ids the model
     * did not write are derived from the branch and its text, so repeated calls agree; to name
     * calls uniquely across turns, or to accept bare JSON calls of known tools, use
     * {@link ToolCallParser#parse(String, Set, java.util.random.RandomGenerator)} on {@link #content()}.
     */
    public List<ChatTemplate.ToolCall> toolCalls() {
        return ToolCallParser.parse(content, Set.of(), new SplittableRandom(31L * text.hashCode() + branch)).toolCalls();
    }
}
