package dev.edgewise.spark;

import dev.edgewise.engine.BudgetForcing;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.ChatTemplate.Message;
import dev.edgewise.engine.vote.AnswerExtractor;
import dev.edgewise.engine.vote.VoteMethod;
import dev.edgewise.engine.vote.Voter;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * How every row of a job is generated: the request a row becomes, except its prompt and seed.
 * Plain values, shipped to executors with the task; the defaults match the CLI's.
 *
 * @param maxTokens       cap on generated tokens per branch (reasoning: on any response)
 * @param temperature     0 for greedy
 * @param topK            0 = off
 * @param topP            1 = off
 * @param minP            0 = off
 * @param repeatPenalty   1 = off
 * @param repeatLastN     window of the repetition penalty
 * @param stopStrings     generation ends at any of these (plain generation)
 * @param branches        branches sampled per row, decoded together (branch i: seed + i)
 * @param vote            majority, weighted or best
 * @param answerRegex     where the answer is when there is no {@code \boxed{}} (null: the default extractor)
 * @param adapters        LoRA adapters as {@code PATH[:SCALE]}, applied on the fly
 * @param reasoning       null for plain generation, else auto, on or off (the reasoning pipeline)
 * @param budget          response budget in tokens for budget forcing (0 = none)
 * @param answerAllowance tokens allowed after forcing the answer
 * @param headsPath       switcher/verifier heads file (reasoning), or null
 * @param openThinking    reasoning branches start with the thinking marker injected
 * @param chat            a text prompt is sent as a user message with the chat template
 * @param system          system message for chat prompts, or null
 */
record GenerationSettings(int maxTokens, float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN,
                          List<String> stopStrings, int branches, String vote, String answerRegex, List<String> adapters, String reasoning,
                          int budget, int answerAllowance, String headsPath, boolean openThinking, boolean chat, String system)
        implements Serializable {

    GenerationSettings {
        stopStrings = List.copyOf(stopStrings);
        adapters = List.copyOf(adapters);
        if (branches < 1) throw new IllegalArgumentException("branches must be >= 1, got " + branches);
        if (budget < 0) throw new IllegalArgumentException("budget must be >= 0, got " + budget);
        new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, 0); // checked on the driver, before any task
        VoteMethod.parse(vote);
        if (reasoning != null) ReasoningMode.parse(reasoning);
    }

    boolean reasons() {
        return reasoning != null;
    }

    /** The same settings with a sweep point's branches and budget. */
    GenerationSettings withSweep(int newBranches, int newBudget) {
        return new GenerationSettings(maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, stopStrings, newBranches, vote,
                answerRegex, adapters, reasoning, newBudget, answerAllowance, headsPath, openThinking, chat, system);
    }

    SamplingParams sampling(long seed) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed);
    }

    Voter voter() {
        return new Voter(answerRegex == null ? AnswerExtractor.defaults() : AnswerExtractor.withRegex(answerRegex), VoteMethod.parse(vote));
    }

    private BudgetForcing forcing() {
        return budget <= 0 ? null : new BudgetForcing(budget, 0, null, answerAllowance, 0, null, null, null);
    }

    /** A user question as messages: the system message first when there is one. */
    List<Message> messages(String text) {
        List<Message> m = new ArrayList<>(2);
        if (system != null) m.add(new Message("system", system));
        m.add(new Message("user", text));
        return m;
    }

    /** The plain-generation request of one row (its prompt is text, or messages when {@code text} is null). */
    GenerationRequest generation(String text, List<Message> messages, long seed, List<ScaledAdapter> withAdapters) {
        GenerationRequest.Builder b = text != null && !chat ? GenerationRequest.prompt(text)
                : GenerationRequest.chat(text != null ? messages(text) : messages);
        return b.maxTokens(maxTokens).sampling(sampling(seed)).stopStrings(stopStrings).branches(branches).budget(forcing())
                .adapters(withAdapters).build();
    }

    /** The reasoning-pipeline request of one row, as {@code edgewise reason} and {@code eval} build it. */
    ReasoningRequest reasoning(List<Message> messages, long seed, List<ScaledAdapter> withAdapters, Heads heads) {
        BudgetForcing forcing = forcing();
        return ReasoningRequest.builder(messages).mode(ReasoningMode.parse(reasoning)).adapters(withAdapters).heads(heads).budget(forcing)
                .budgetSentence(forcing == null ? null : ReasoningRequest.DEFAULT_BUDGET_SENTENCE).branches(branches)
                .sampling(sampling(seed)).maxTokens(maxTokens).vote(VoteMethod.parse(vote))
                .extractor(answerRegex == null ? AnswerExtractor.defaults() : AnswerExtractor.withRegex(answerRegex))
                .openThinking(openThinking).build();
    }
}
