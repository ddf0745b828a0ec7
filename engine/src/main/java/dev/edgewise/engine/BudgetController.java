package dev.edgewise.engine;

/**
 * Budget forcing of one branch: tracks its thinking section and decides, token by token, when a
 * premature end of thinking is refused, when the answer is forced, and when the branch must stop.
 * Owns all of a branch's budget state; the decode logic asks it and injects the text it names.
 */
final class BudgetController {
    /** What the branch must do after a token. */
    enum Action { NONE, FORCE, STOP }

    private final BudgetForcing budget;
    private final int thinkStartId, thinkEndId;
    private boolean thinking;
    private int thinkingTokens;
    private int forcedAt = -1;
    private int forcedLimit;
    private int waits;

    /** {@code startsThinking}: the prompt already opened the thinking section. */
    BudgetController(BudgetForcing budget, int thinkStartId, int thinkEndId, boolean startsThinking) {
        this.budget = budget;
        this.thinkStartId = thinkStartId;
        this.thinkEndId = thinkEndId;
        this.thinking = startsThinking;
    }

    BudgetForcing budget() {
        return budget;
    }

    boolean thinking() {
        return thinking;
    }

    /** Whether a sampled token ends thinking too early (before the minimum): it is then replaced by the wait text. */
    boolean refuses(int token) {
        if (thinkEndId >= 0 && token == thinkEndId && thinking && thinkingTokens < budget.minThinkingTokens()) {
            waits++;
            return true;
        }
        return false;
    }

    /** Follows the thinking section after a token was accepted ({@code raw}: the branch's text so far). */
    void observe(int token, CharSequence raw) {
        boolean wasThinking = thinking;
        if (!thinking && thinkingTokens == 0 && (token == thinkStartId || endsWith(raw, budget.thinkStart()))) {
            thinking = true;
        } else if (thinking && (token == thinkEndId || endsWith(raw, budget.thinkEnd()))) {
            thinking = false;
        }
        if (wasThinking && thinking && forcedAt < 0) thinkingTokens++;
    }

    /**
     * After a sampled token, with {@code count} tokens in the response: STOP once the allowance
     * after forcing or the response cap is used up; FORCE when a cap is hit while thinking (the
     * caller injects {@link BudgetForcing#forcingText()} and calls {@link #forced}).
     */
    Action after(int count) {
        if (forcedAt >= 0) return count >= forcedLimit ? Action.STOP : Action.NONE;
        boolean thinkingCapHit = budget.maxThinkingTokens() > 0 && thinkingTokens >= budget.maxThinkingTokens();
        if (count >= budget.maxResponseTokens() || (thinking && thinkingCapHit)) {
            if (!thinking) return Action.STOP; // already answering: the response cap is final
            forcedAt = count;
            return Action.FORCE;
        }
        return Action.NONE;
    }

    /** The forcing text was injected; the response now holds {@code count} tokens. Returns whether the allowance is zero. */
    boolean forced(int count) {
        forcedLimit = count + budget.answerAllowance();
        return budget.answerAllowance() == 0;
    }

    int thinkingTokens() {
        return thinkingTokens;
    }

    int forcedAt() {
        return forcedAt;
    }

    int waits() {
        return waits;
    }

    private static boolean endsWith(CharSequence s, String suffix) {
        int n = suffix.length(), start = s.length() - n;
        if (start < 0) return false;
        for (int i = 0; i < n; i++) if (s.charAt(start + i) != suffix.charAt(i)) return false;
        return true;
    }
}
