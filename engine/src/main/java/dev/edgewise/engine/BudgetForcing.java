package dev.edgewise.engine;

/**
 * Budget forcing (s1-style) for reasoning branches: a hard cap on the response, an optional cap on
 * thinking, text injected at the cap that closes the thinking section and asks for the answer, a
 * short allowance to give it, and an optional minimum thinking length enforced by suppressing the
 * end-of-thinking marker and injecting "Wait".
 *
 * @param maxResponseTokens   cap on thinking + answer tokens (forced text included)
 * @param maxThinkingTokens   cap on thinking tokens (0: only the response cap applies)
 * @param forcingText         injected when a cap is hit while still thinking
 * @param answerAllowance     tokens the branch may generate after forcing before it is stopped
 * @param minThinkingTokens   end-of-thinking is refused before this many thinking tokens (0: off)
 * @param waitText            injected instead of a refused end-of-thinking
 * @param thinkStart          opens the thinking section (a special token or plain text)
 * @param thinkEnd            closes it
 */
public record BudgetForcing(int maxResponseTokens, int maxThinkingTokens, String forcingText, int answerAllowance,
                            int minThinkingTokens, String waitText, String thinkStart, String thinkEnd) {

    public static final String DEFAULT_FORCING_TEXT = "\n\nI have to give the answer now.\n</think>\n\nThe final answer is ";

    public BudgetForcing {
        if (maxResponseTokens < 1) throw new IllegalArgumentException("response budget must be >= 1, got " + maxResponseTokens);
        if (maxThinkingTokens < 0 || answerAllowance < 0 || minThinkingTokens < 0) {
            throw new IllegalArgumentException("budgets must be >= 0");
        }
        if (forcingText == null) forcingText = DEFAULT_FORCING_TEXT;
        if (waitText == null) waitText = "Wait";
        if (thinkStart == null) thinkStart = "<think>";
        if (thinkEnd == null) thinkEnd = "</think>";
    }

    /** A response cap with the default forcing text and a 32-token answer allowance. */
    public static BudgetForcing of(int maxResponseTokens) {
        return new BudgetForcing(maxResponseTokens, 0, DEFAULT_FORCING_TEXT, 32, 0, "Wait", "<think>", "</think>");
    }

    public BudgetForcing withThinkingBudget(int n) {
        return new BudgetForcing(maxResponseTokens, n, forcingText, answerAllowance, minThinkingTokens, waitText, thinkStart, thinkEnd);
    }

    public BudgetForcing withMinThinking(int n) {
        return new BudgetForcing(maxResponseTokens, maxThinkingTokens, forcingText, answerAllowance, n, waitText, thinkStart, thinkEnd);
    }

    public BudgetForcing withAnswerAllowance(int n) {
        return new BudgetForcing(maxResponseTokens, maxThinkingTokens, forcingText, n, minThinkingTokens, waitText, thinkStart, thinkEnd);
    }

    public BudgetForcing withForcingText(String text) {
        return new BudgetForcing(maxResponseTokens, maxThinkingTokens, text, answerAllowance, minThinkingTokens, waitText, thinkStart, thinkEnd);
    }
}
