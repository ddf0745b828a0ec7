package dev.edgewise.engine;

import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.VoteMethod;

import java.util.List;

/**
 * One request through the reasoning pipeline of <i>Efficient Reasoning on the Edge</i>: the prompt
 * is encoded once by the base model; a switcher head (or {@code mode}) decides whether to reason;
 * reasoning turns the adapter on for the response positions of {@code branches} sampled branches
 * under budget forcing; a verifier head scores each finished branch; a vote picks the answer.
 *
 * @param messages            the conversation (rendered with the Qwen2.5 ChatML template)
 * @param mode                auto (the switcher decides), on or off
 * @param adapters            the reasoning adapter set, applied on the fly to response positions
 * @param heads               switcher and/or verifier heads, or null
 * @param budget              budget forcing for reasoning branches, or null
 * @param budgetSentence      appended to the last user message when reasoning may happen, with
 *                            {@code {budget}} replaced by the response budget (null: none)
 * @param branches            reasoning branches (a direct chat answer uses one)
 * @param sampling            sampling of every branch (branch i: seed + i)
 * @param maxTokens           cap on any response (also the direct answer's budget)
 * @param vote                how the answer is chosen among branches
 * @param extractor           where a branch's answer is in its text
 * @param verificationPrompt  prefilled after a branch's response before the verifier reads it
 * @param verifierUsesAdapter whether the adapter stays on while the verification prompt is encoded
 * @param adapterPrefill      encode the prompt a second time with the adapter on before reasoning
 *                            (for adapters not trained with masked LoRA; costs a second prefill)
 * @param openThinking        reasoning branches start with the thinking marker injected (for models
 *                            that do not open it themselves); otherwise the first token is sampled
 *                            from the base model's logits
 * @param cancellation        stops the request from another thread, or null
 */
public record ReasoningRequest(List<ChatTemplate.Message> messages, ReasoningMode mode, List<ScaledAdapter> adapters, Heads heads,
                               BudgetForcing budget, String budgetSentence, int branches, SamplingParams sampling, int maxTokens,
                               VoteMethod vote, AnswerExtractor extractor, String verificationPrompt, boolean verifierUsesAdapter,
                               boolean adapterPrefill, boolean openThinking, Cancellation cancellation) {

    public static final String DEFAULT_VERIFICATION_PROMPT = "\nIs the answer above correct?";
    public static final String DEFAULT_BUDGET_SENTENCE = "\nThink step by step, and answer within {budget} tokens.";

    public ReasoningRequest {
        if (messages == null || messages.isEmpty()) throw new IllegalArgumentException("no messages");
        messages = List.copyOf(messages);
        adapters = adapters == null ? List.of() : List.copyOf(adapters);
        if (mode == null) mode = ReasoningMode.AUTO;
        if (branches < 1) throw new IllegalArgumentException("branches must be >= 1, got " + branches);
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        if (sampling == null) sampling = SamplingParams.defaults(0).withTemperature(0.7f);
        if (vote == null) vote = VoteMethod.WEIGHTED;
        if (extractor == null) extractor = AnswerExtractor.defaults();
        if (verificationPrompt == null) verificationPrompt = DEFAULT_VERIFICATION_PROMPT;
    }

    /** A request without a cancellation handle. */
    public ReasoningRequest(List<ChatTemplate.Message> messages, ReasoningMode mode, List<ScaledAdapter> adapters, Heads heads,
                            BudgetForcing budget, String budgetSentence, int branches, SamplingParams sampling, int maxTokens,
                            VoteMethod vote, AnswerExtractor extractor, String verificationPrompt, boolean verifierUsesAdapter,
                            boolean adapterPrefill, boolean openThinking) {
        this(messages, mode, adapters, heads, budget, budgetSentence, branches, sampling, maxTokens, vote, extractor,
                verificationPrompt, verifierUsesAdapter, adapterPrefill, openThinking, null);
    }

    /** Whether the request was cancelled through its handle. */
    public boolean cancelled() {
        return cancellation != null && cancellation.isCancelled();
    }

    public static Builder builder(List<ChatTemplate.Message> messages) {
        return new Builder(messages);
    }

    /** Fluent construction; defaults: auto, 1 branch, temperature 0.7, 1024 tokens, weighted vote. */
    public static final class Builder {
        private final List<ChatTemplate.Message> messages;
        private ReasoningMode mode = ReasoningMode.AUTO;
        private List<ScaledAdapter> adapters = List.of();
        private Heads heads;
        private BudgetForcing budget;
        private String budgetSentence;
        private int branches = 1;
        private SamplingParams sampling;
        private int maxTokens = 1024;
        private VoteMethod vote = VoteMethod.WEIGHTED;
        private AnswerExtractor extractor;
        private String verificationPrompt;
        private boolean verifierUsesAdapter = true;
        private boolean adapterPrefill;
        private boolean openThinking;
        private Cancellation cancellation;

        private Builder(List<ChatTemplate.Message> messages) { this.messages = messages; }

        public Builder mode(ReasoningMode m) { this.mode = m; return this; }
        public Builder adapters(List<ScaledAdapter> a) { this.adapters = a; return this; }
        public Builder heads(Heads h) { this.heads = h; return this; }
        public Builder budget(BudgetForcing b) { this.budget = b; return this; }
        public Builder budgetSentence(String s) { this.budgetSentence = s; return this; }
        public Builder branches(int n) { this.branches = n; return this; }
        public Builder sampling(SamplingParams s) { this.sampling = s; return this; }
        public Builder maxTokens(int n) { this.maxTokens = n; return this; }
        public Builder vote(VoteMethod v) { this.vote = v; return this; }
        public Builder extractor(AnswerExtractor e) { this.extractor = e; return this; }
        public Builder verificationPrompt(String p) { this.verificationPrompt = p; return this; }
        public Builder verifierUsesAdapter(boolean b) { this.verifierUsesAdapter = b; return this; }
        public Builder adapterPrefill(boolean b) { this.adapterPrefill = b; return this; }
        public Builder openThinking(boolean b) { this.openThinking = b; return this; }
        /** A handle that cancels the request from another thread. */
        public Builder cancellation(Cancellation c) { this.cancellation = c; return this; }

        public ReasoningRequest build() {
            return new ReasoningRequest(messages, mode, adapters, heads, budget, budgetSentence, branches, sampling, maxTokens,
                    vote, extractor, verificationPrompt, verifierUsesAdapter, adapterPrefill, openThinking, cancellation);
        }
    }
}
