package dev.edgewise.engine;

import dev.edgewise.engine.constraint.ResponseFormat;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.ChatTemplate;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What to generate. The prompt is given as exactly one of: plain text, chat messages (rendered
 * with the model's chat template or {@code chat.template}, special tokens parsed), or token ids.
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
 * @param chat           template override, extra template variables and tools of a chat request
 * @param cancellation   stops the request from another thread, or null
 * @param constraint     makes each branch's own {@link TokenConstraint} (called once per branch), applied after
 *                       {@code responseFormat}'s, or null
 * @param responseFormat JSON or JSON-schema output enforced while sampling (each branch on its own), or null
 */
public record GenerationRequest(String prompt, List<ChatTemplate.Message> messages, int[] promptTokens,
                                boolean parseSpecial, int maxTokens, SamplingParams sampling,
                                List<String> stopStrings, boolean ignoreEndOfGeneration, int branches,
                                BudgetForcing budget, List<ScaledAdapter> adapters, ChatOptions chat, Cancellation cancellation,
                                Supplier<TokenConstraint> constraint, ResponseFormat responseFormat) {

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
        if (chat == null) chat = ChatOptions.DEFAULT;
    }

    /** A request with the model's chat template and no cancellation handle or token constraint. */
    public GenerationRequest(String prompt, List<ChatTemplate.Message> messages, int[] promptTokens, boolean parseSpecial, int maxTokens,
                             SamplingParams sampling, List<String> stopStrings, boolean ignoreEndOfGeneration, int branches,
                             BudgetForcing budget, List<ScaledAdapter> adapters) {
        this(prompt, messages, promptTokens, parseSpecial, maxTokens, sampling, stopStrings, ignoreEndOfGeneration, branches, budget,
                adapters, null, null, null, null);
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
        private ChatOptions chat = ChatOptions.DEFAULT;
        private Cancellation cancellation;
        private Supplier<TokenConstraint> constraint;
        private ResponseFormat responseFormat;

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
        /** Jinja source used instead of the model's chat template. */
        public Builder chatTemplate(String source) { this.chat = chat.withTemplate(null, source); return this; }
        /** Jinja source used instead of the model's chat template, named in error messages. */
        public Builder chatTemplate(String name, String source) { this.chat = chat.withTemplate(name, source); return this; }
        /** Extra template variables, such as {@code enable_thinking}. */
        public Builder chatTemplateKwargs(Map<String, ?> kwargs) { this.chat = chat.withKwargs(kwargs); return this; }
        /** Tool definitions ({@code {"type":"function","function":{...}}} JSON values) for the template. */
        public Builder tools(List<?> tools) { this.chat = chat.withTools(tools); return this; }
        public Builder chatOptions(ChatOptions c) { this.chat = c; return this; }
        /** A handle that cancels the request from another thread. */
        public Builder cancellation(Cancellation c) { this.cancellation = c; return this; }
        /** A factory of per-branch logit constraints (a grammar, an observer of the logits), or null. */
        public Builder constraint(Supplier<TokenConstraint> c) { this.constraint = c; return this; }
        /** Constrains the output to JSON ({@link ResponseFormat#json()}) or to a JSON schema; null for free text. */
        public Builder responseFormat(ResponseFormat f) { this.responseFormat = f; return this; }

        public GenerationRequest build() {
            return new GenerationRequest(prompt, messages, tokens, parseSpecial, maxTokens, sampling, stopStrings, ignoreEndOfGeneration, branches, budget, adapters,
                    chat, cancellation, constraint, responseFormat);
        }
    }
}
