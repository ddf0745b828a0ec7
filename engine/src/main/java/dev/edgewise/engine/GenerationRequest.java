package dev.edgewise.engine;

import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.ChatTemplate;

import java.util.List;
import java.util.function.Supplier;

/**
 * What to generate. The prompt is given as exactly one of: plain text, chat messages (rendered
 * with the Qwen2.5 ChatML template, special tokens parsed), or token ids.
 *
 * @param prompt         plain-text prompt, or null
 * @param messages       chat messages, or null
 * @param promptTokens   prompt token ids, or null
 * @param parseSpecial   whether special-token text in a plain prompt becomes special tokens
 * @param maxTokens      generated-token budget
 * @param sampling       how tokens are chosen
 * @param stopStrings    generation ends when one appears (it is not part of the result)
 * @param ignoreEndOfGeneration keep going past end-of-generation tokens (benchmarks)
 * @param branches       sequences sampled from the one prompt, decoded together; branch i uses
 *                       seed {@code sampling.seed() + i}
 * @param budget         budget forcing for reasoning, or null
 * @param adapters       LoRA adapters applied on the fly to this request (loaded with
 *                       {@code Model.loadAdapter}); empty for the base model
 * @param cancellation   stops the request from another thread, or null
 * @param constraint     makes each branch's {@link TokenConstraint} (called once per branch), or null
 */
public record GenerationRequest(String prompt, List<ChatTemplate.Message> messages, int[] promptTokens,
                                boolean parseSpecial, int maxTokens, SamplingParams sampling,
                                List<String> stopStrings, boolean ignoreEndOfGeneration, int branches,
                                BudgetForcing budget, List<ScaledAdapter> adapters, Cancellation cancellation,
                                Supplier<TokenConstraint> constraint) {

    public GenerationRequest {
        int given = (prompt != null ? 1 : 0) + (messages != null ? 1 : 0) + (promptTokens != null ? 1 : 0);
        if (given != 1) throw new IllegalArgumentException("give exactly one of prompt, messages or promptTokens");
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        if (branches < 1) throw new IllegalArgumentException("branches must be >= 1, got " + branches);
        if (sampling == null) sampling = SamplingParams.GREEDY;
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("empty stop string");
        messages = messages == null ? null : List.copyOf(messages);
        adapters = adapters == null ? List.of() : List.copyOf(adapters);
    }

    /** A request without cancellation handle or token constraint. */
    public GenerationRequest(String prompt, List<ChatTemplate.Message> messages, int[] promptTokens, boolean parseSpecial, int maxTokens,
                             SamplingParams sampling, List<String> stopStrings, boolean ignoreEndOfGeneration, int branches,
                             BudgetForcing budget, List<ScaledAdapter> adapters) {
        this(prompt, messages, promptTokens, parseSpecial, maxTokens, sampling, stopStrings, ignoreEndOfGeneration, branches, budget,
                adapters, null, null);
    }

    /** Whether the request was cancelled through its handle. */
    public boolean cancelled() {
        return cancellation != null && cancellation.isCancelled();
    }

    public static Builder prompt(String text) {
        return new Builder().prompt(text);
    }

    public static Builder chat(List<ChatTemplate.Message> messages) {
        return new Builder().messages(messages);
    }

    public static Builder tokens(int... ids) {
        return new Builder().tokens(ids);
    }

    /** Fluent construction with the defaults of the CLI: greedy, 256 tokens. */
    public static final class Builder {
        private String prompt;
        private List<ChatTemplate.Message> messages;
        private int[] tokens;
        private boolean parseSpecial;
        private int maxTokens = 256;
        private SamplingParams sampling = SamplingParams.GREEDY;
        private List<String> stopStrings = List.of();
        private boolean ignoreEndOfGeneration;
        private int branches = 1;
        private BudgetForcing budget;
        private List<ScaledAdapter> adapters = List.of();
        private Cancellation cancellation;
        private Supplier<TokenConstraint> constraint;

        public Builder prompt(String text) { this.prompt = text; return this; }
        public Builder messages(List<ChatTemplate.Message> m) { this.messages = m; return this; }
        public Builder tokens(int... ids) { this.tokens = ids.clone(); return this; }
        public Builder parseSpecial(boolean b) { this.parseSpecial = b; return this; }
        public Builder maxTokens(int n) { this.maxTokens = n; return this; }
        public Builder sampling(SamplingParams s) { this.sampling = s; return this; }
        public Builder stopStrings(List<String> s) { this.stopStrings = s; return this; }
        public Builder ignoreEndOfGeneration(boolean b) { this.ignoreEndOfGeneration = b; return this; }
        public Builder branches(int n) { this.branches = n; return this; }
        public Builder budget(BudgetForcing b) { this.budget = b; return this; }
        public Builder adapters(List<ScaledAdapter> a) { this.adapters = a; return this; }
        /** A handle that cancels the request from another thread. */
        public Builder cancellation(Cancellation c) { this.cancellation = c; return this; }
        /** A factory of per-branch logit constraints (e.g. a JSON grammar), or null. */
        public Builder constraint(Supplier<TokenConstraint> c) { this.constraint = c; return this; }

        public GenerationRequest build() {
            return new GenerationRequest(prompt, messages, tokens, parseSpecial, maxTokens, sampling, stopStrings, ignoreEndOfGeneration, branches, budget, adapters,
                    cancellation, constraint);
        }
    }
}
