package dev.edgewise.engine;

import dev.edgewise.engine.lora.AdapterActivation;
import dev.edgewise.engine.vote.VoteResult;

import java.util.List;
import java.util.Optional;

/**
 * What the reasoning pipeline did.
 *
 * @param reasoned          whether the branches reasoned (adapter on, budget forcing)
 * @param decidedBy         "switcher", "forced on" or "forced off" (also when there is no switcher)
 * @param switchProbability the switcher's probability of "reason" (NaN without a switcher)
 * @param branches          every branch
 * @param verifierScores    the verifier's score of each branch (empty without a verifier)
 * @param vote              answer extraction and the vote
 * @param timings           where the time went, and tokens by phase
 * @param adapterActivation which prompt rows the adapter applied to; its
 *                          {@link AdapterActivation#invocationMissing()} is true when an activated LoRA
 *                          stayed off because its invocation sequence is not in the prompt
 * @param features          the heads' input features when the request asked for them
 *                          ({@link ReasoningRequest#captureFeatures()}), else null
 */
public record ReasoningResult(boolean reasoned, String decidedBy, double switchProbability, List<BranchResult> branches,
                              List<Double> verifierScores, VoteResult vote, Timings timings, AdapterActivation adapterActivation,
                              Features features) {

    /** A result without adapter information (no adapters) or features. */
    public ReasoningResult(boolean reasoned, String decidedBy, double switchProbability, List<BranchResult> branches,
                           List<Double> verifierScores, VoteResult vote, Timings timings) {
        this(reasoned, decidedBy, switchProbability, branches, verifierScores, vote, timings, AdapterActivation.NONE, null);
    }

    /**
     * What the heads read, exactly as the pipeline fed them (for training heads).
     *
     * @param switcherPooled the prompt's pooled hidden states at the switcher's layer, with its pooling (null
     *                       without a switcher head)
     * @param verifierHidden per branch, the hidden state at the verifier's layer on the last token of the
     *                       verification prompt (empty without a verifier head)
     */
    public record Features(float[] switcherPooled, List<float[]> verifierHidden) {
    }

    /**
     * @param promptTokens       prompt tokens (evaluated once, or twice with adapter prefill)
     * @param forwardTokens      tokens the transformer evaluated for this request, all phases
     * @param prefillNanos       prompt encoding (both passes with adapter prefill)
     * @param timeToFirstTokenNanos from the request to the first response token
     * @param decodeNanos        batched decoding of the branches
     * @param verificationNanos  verification prompts and scores
     * @param totalNanos         the whole request
     * @param thinkingTokens     generated inside thinking sections, all branches
     * @param responseTokens     generated in all, all branches (forced text included)
     * @param verificationTokens tokens encoded for verification
     * @param forcedBranches     branches whose budget forced an answer
     */
    public record Timings(int promptTokens, long forwardTokens, long prefillNanos, long timeToFirstTokenNanos, long decodeNanos,
                          long verificationNanos, long totalNanos, int thinkingTokens, int responseTokens, int verificationTokens,
                          int forcedBranches) {
    }

    public Optional<String> answer() {
        return vote.display();
    }
}
