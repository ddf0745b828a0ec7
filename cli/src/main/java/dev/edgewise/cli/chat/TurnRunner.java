package dev.edgewise.cli.chat;

import dev.edgewise.cli.BranchReport;
import dev.edgewise.engine.BranchResult;
import dev.edgewise.engine.Cancellation;
import dev.edgewise.engine.ChatOptions;
import dev.edgewise.engine.FinishReason;
import dev.edgewise.engine.GenerationRequest;
import dev.edgewise.engine.GenerationResult;
import dev.edgewise.engine.Model;
import dev.edgewise.engine.ReasoningMode;
import dev.edgewise.engine.ReasoningRequest;
import dev.edgewise.engine.ReasoningResult;
import dev.edgewise.engine.SamplingParams;
import dev.edgewise.engine.TokenEvent;
import dev.edgewise.engine.TokenListener;
import dev.edgewise.engine.heads.Heads;
import dev.edgewise.engine.lora.ScaledAdapter;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.vote.VoteResult;
import dev.edgewise.engine.vote.Voter;

import java.util.List;
import java.util.Map;

/**
 * Runs one chat turn on the model with a session's settings: a plain generation (its thinking switched by
 * {@code enable_thinking} for templates that read it), several branches and a vote, or the reasoning
 * pipeline when the switcher decides.
 */
public final class TurnRunner {
    /** Where an answer streams to while it is generated. */
    public interface Output {
        void thinking(String text);

        void content(String text);
    }

    /**
     * What a turn produced.
     *
     * @param rawText          the chosen branch's text as the model produced it (goes into the history)
     * @param thinking         its thinking part
     * @param content          its answer part
     * @param streamed         whether the text was already streamed to the output
     * @param finishReason     why the chosen branch stopped
     * @param promptTokens     tokens of the rendered prompt
     * @param evaluatedTokens  prompt tokens the transformer evaluated (the rest came from the prefix cache); -1 when the
     *                         reasoning pipeline ran (it reports its phases together, in {@code note})
     * @param generatedTokens  tokens generated, all branches
     * @param decodeTokensPerSecond aggregate decode speed
     * @param vote             the vote over branches, or null with one branch
     * @param note             how the turn ran when the pipeline chose (e.g. "switcher: answer directly"), or null
     */
    public record Result(String rawText, String thinking, String content, boolean streamed, FinishReason finishReason,
                         int promptTokens, long evaluatedTokens, int generatedTokens, double decodeTokensPerSecond,
                         VoteResult vote, String note) {
        /** Prompt tokens served from the prefix cache, or -1 if not known. */
        public int cachedTokens() {
            return evaluatedTokens < 0 ? -1 : (int) (promptTokens - evaluatedTokens);
        }
    }

    private final Model model;
    private final ChatOptions chat;
    private final SamplingParams sampling;
    private final int maxTokens;
    private final Map<String, List<ScaledAdapter>> adapters;
    private final Heads heads;
    private final Voter voter;

    /**
     * @param adapters the adapters by name (dynamic ones, selectable with /lora)
     * @param heads    switcher/verifier heads for /think auto, or null
     */
    public TurnRunner(Model model, ChatOptions chat, SamplingParams sampling, int maxTokens, Map<String, List<ScaledAdapter>> adapters,
                      Heads heads, Voter voter) {
        this.model = model;
        this.chat = chat;
        this.sampling = sampling;
        this.maxTokens = maxTokens;
        this.adapters = Map.copyOf(adapters);
        this.heads = heads;
        this.voter = voter;
    }

    public boolean hasAdapter(String name) {
        return adapters.containsKey(name);
    }

    public java.util.Set<String> adapterNames() {
        return new java.util.TreeSet<>(adapters.keySet());
    }

    public boolean hasHeads() {
        return heads != null;
    }

    /** Whether the chat template reads {@link Model#THINKING_VARIABLE}, so /think on|off switches it. */
    public boolean templateSwitchesThinking() {
        String source = model.chatTemplate(chat).source();
        return source != null && source.contains(Model.THINKING_VARIABLE);
    }

    /** Generates the answer to {@code user} in {@code session}; cancelling stops it at the next step. */
    public Result run(ChatSession session, String user, Cancellation cancel, Output out) {
        List<ChatTemplate.Message> messages = session.withUser(user);
        List<ScaledAdapter> active = session.lora() == null ? List.of() : adapters.getOrDefault(session.lora(), List.of());
        ChatOptions options = switch (session.think()) {
            case ON -> chat.withKwarg(Model.THINKING_VARIABLE, true);
            case OFF -> chat.withKwarg(Model.THINKING_VARIABLE, false);
            case DEFAULT, AUTO -> chat;
        };
        boolean stream = session.branches() == 1;
        TokenListener listener = stream ? event -> emit(event, out) : TokenListener.NONE;
        if (session.think() == ThinkMode.AUTO) {
            if (heads == null) throw new IllegalStateException("/think auto needs --heads");
            ReasoningResult r = model.reason(ReasoningRequest.builder(messages).mode(ReasoningMode.AUTO).heads(heads).adapters(active)
                    .branches(session.branches()).sampling(sampling).maxTokens(maxTokens).chatOptions(options).cancellation(cancel)
                    .build(), listener);
            BranchResult b = chosen(r.branches(), r.vote());
            ReasoningResult.Timings t = r.timings();
            double tps = t.decodeNanos() == 0 ? 0 : t.responseTokens() * 1e9 / t.decodeNanos();
            // the pipeline reports the transformer's tokens for all its phases, not the prompt's share of them
            return new Result(b.text(), b.reasoningContent(), b.content(), stream, b.finishReason(), t.promptTokens(), -1,
                    t.responseTokens(), tps, session.branches() > 1 ? r.vote() : null,
                    "switcher: " + (r.reasoned() ? "reason" : "answer directly") + " (" + r.decidedBy() + "); transformer evaluated "
                            + t.forwardTokens() + " tokens (prompt, branches, verification)");
        }
        GenerationResult g = model.generate(GenerationRequest.chat(messages).chatOptions(options).sampling(sampling).maxTokens(maxTokens)
                .branches(session.branches()).adapters(active).cancellation(cancel).build(), listener);
        VoteResult vote = session.branches() > 1 ? voter.voteBranches(g.branches()) : null;
        BranchResult b = chosen(g.branches(), vote);
        var t = g.timings();
        return new Result(b.text(), b.reasoningContent(), b.content(), stream, b.finishReason(), t.promptTokens(),
                t.promptTokens() - t.cachedPromptTokens(), t.generatedTokens(), t.decodeTokensPerSecond(), vote, null);
    }

    private static void emit(TokenEvent e, Output out) {
        if (e.branch() != 0) return;
        if (!e.reasoningContent().isEmpty()) out.thinking(e.reasoningContent());
        if (!e.content().isEmpty()) out.content(e.content());
    }

    private static BranchResult chosen(List<BranchResult> branches, VoteResult vote) {
        int w = vote == null ? 0 : vote.winningBranch();
        for (BranchResult b : branches) if (b.branch() == w) return b;
        return branches.getFirst();
    }
}
