package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvCacheFullException;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.kv.PrefixCache;
import dev.edgewise.engine.sched.Job;
import dev.edgewise.engine.sched.LogitsSink;
import dev.edgewise.engine.sched.Step;
import dev.edgewise.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The decode phase of one request's branches on the scheduler: each step it adds the pending
 * tokens of every live branch (normally one each; more after budget forcing injected text),
 * reserving their KV positions (a branch out of room stops with {@code CONTEXT_FULL} or
 * {@code CACHE_FULL}); each branch then samples from its own logits row and applies its stop
 * conditions and budget. Finished branches return their KV blocks at once unless
 * {@link #keepSequences} (the verifier reads them).
 */
final class BranchDecoder {
    private final PagedKvCache cache;
    private final Tokenizer tokenizer;
    private final GenerationRequest request;
    private final TokenListener listener;
    private final int vocab;
    private final int thinkStartId, thinkEndId;
    /** Whether a finished branch keeps its KV blocks (for verification); the job releases them. */
    boolean keepSequences;
    /** Batched steps with rows of these branches, logits rows sampled. */
    int steps, decoded;
    /** Where released branches register their full blocks (a chat's next turn starts on them), or null. */
    PrefixCache prefixes;

    BranchDecoder(PagedKvCache cache, int vocab, Tokenizer tokenizer, GenerationRequest request, TokenListener listener) {
        this.cache = cache;
        this.tokenizer = tokenizer;
        this.request = request;
        this.listener = listener;
        this.vocab = vocab;
        BudgetForcing budget = request.budget();
        this.thinkStartId = budget == null ? -1 : tokenizer.vocabulary().id(budget.thinkStart());
        this.thinkEndId = budget == null ? -1 : tokenizer.vocabulary().id(budget.thinkEnd());
    }

    /**
     * The request's branches on a prefilled prompt: {@code root}'s blocks are shared by every
     * branch (copy-on-write) and the prompt's own hold is given up; branch i samples with seed
     * {@code seed + i}, runs the prompt's rows with {@code promptSlot} and its own with
     * {@code responseSlot}, and gets its own budget controller.
     */
    List<BranchState> fork(KvSequence root, int[] prompt, int promptSlot, int responseSlot) {
        int n = request.branches();
        KvSequence[] sequences = n == 1 ? new KvSequence[]{root} : cache.fork(root, n);
        if (n > 1) cache.release(root);
        BudgetForcing budget = request.budget();
        boolean opensThinking = budget != null && opensThinking(tokenizer, prompt, budget);
        List<BranchState> branches = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Sampler sampler = new Sampler(request.sampling().withSeed(request.sampling().seed() + i));
            BudgetController controller = budget == null ? null : new BudgetController(budget, thinkStartId, thinkEndId, opensThinking);
            branches.add(new BranchState(i, sequences[i], sampler, tokenizer, prompt, request, promptSlot, responseSlot, controller));
        }
        return branches;
    }

    /** Gives a branch its first token from the shared prompt logits (unless it starts with injected text). */
    void first(BranchState b, float[] promptLogits) {
        if (b.pendingInputs() > 0 || !b.live()) return;
        int token = -1;
        float logProb = 0f;
        if (b.count < request.maxTokens()) {
            float[] row = b.constrained() ? promptLogits.clone() : promptLogits; // a constraint masks in place; the prompt logits are shared
            b.sampleRow(row, 0, vocab);
            token = b.sampled;
            logProb = b.sampledLogProb;
        }
        apply(b, token, logProb);
    }

    /** Adds this step's rows of every live branch; returns how many. */
    int plan(Step step, Job<?> owner, List<BranchState> branches) {
        int rows = 0;
        for (BranchState b : branches) {
            if (!b.live()) continue;
            int n = b.pendingInputs();
            if (b.sequence.length() + n > cache.maxPositions()) {
                finish(b, FinishReason.CONTEXT_FULL);
                continue;
            }
            try {
                cache.reserve(b.sequence, n);
            } catch (KvCacheFullException e) {
                finish(b, FinishReason.CACHE_FULL);
                continue;
            }
            int position = b.sequence.length();
            for (int i = 0; i < n; i++) step.add(owner, b.pendingInput(i), b.sequence, b.slotAt(position + i), i == n - 1 ? new Row(b) : null, true);
            rows += n;
            b.inputsConsumed();
        }
        if (rows > 0) steps++;
        return rows;
    }

    /** A branch's logits row: sampled in parallel with other rows, applied in row order. */
    private final class Row implements LogitsSink {
        private final BranchState b;

        Row(BranchState b) {
            this.b = b;
        }

        @Override
        public void prepare(float[] logits, int offset) {
            if (b.count < request.maxTokens()) b.sampleRow(logits, offset, vocab); // else apply() finishes it
        }

        @Override
        public void accept(float[] logits, int offset) {
            apply(b, b.sampled, b.sampledLogProb);
            decoded++;
        }
    }

    /** Applies a sampled token: end-of-generation, minimum thinking, stop strings, budgets and limits. */
    private void apply(BranchState b, int token, float logProb) {
        if (b.count >= request.maxTokens()) {
            finish(b, FinishReason.MAX_TOKENS);
            return;
        }
        BudgetController budget = b.budget;
        if (budget != null && budget.refuses(token)) {
            inject(b, budget.budget().waitText()); // s1: refuse to stop thinking, make it reconsider
            return;
        }
        if (!request.ignoreEndOfGeneration() && tokenizer.isEndOfGeneration(token)) {
            finish(b, FinishReason.END_OF_GENERATION);
            return;
        }
        emit(b, token, logProb);
        if (b.live() && budget != null) {
            switch (budget.after(b.count)) {
                case STOP -> finish(b, FinishReason.BUDGET);
                case FORCE -> {
                    inject(b, budget.budget().forcingText());
                    if (budget.forced(b.count)) finish(b, FinishReason.BUDGET);
                }
                case NONE -> { }
            }
        }
        if (b.live() && b.count >= request.maxTokens()) finish(b, FinishReason.MAX_TOKENS);
    }

    /** Accepts a token into a branch and streams it. */
    private void emit(BranchState b, int token, float logProb) {
        String piece = b.accept(token, logProb);
        listener.onToken(new TokenEvent(b.index, b.count - 1, token, piece, logProb));
        if (!b.live() && !keepSequences) release(b); // a stop string ended it
    }

    /** Injects text into a branch's response: its tokens are accepted (log-prob NaN) and fed next step. */
    void inject(BranchState b, String text) {
        for (int t : tokenizer.encode(text, true)) {
            emit(b, t, Float.NaN);
            if (!b.live()) return;
        }
    }

    /** Whether a prompt ends inside a thinking section (templates of R1-style models open it). */
    static boolean opensThinking(Tokenizer tokenizer, int[] prompt, BudgetForcing budget) {
        int from = Math.max(0, prompt.length - 4);
        String tail = tokenizer.decode(java.util.Arrays.copyOfRange(prompt, from, prompt.length), true).strip();
        return tail.endsWith(budget.thinkStart());
    }

    /** Finishes every live branch as cancelled. */
    void cancel(List<BranchState> branches) {
        for (BranchState b : branches) if (b.live()) finish(b, FinishReason.CANCELLED);
    }

    /** Ends a branch: flushes held-back text and returns its KV blocks to the pool at once. */
    void finish(BranchState b, FinishReason reason) {
        b.finish = reason;
        String tail = b.flush();
        if (!tail.isEmpty()) listener.onToken(new TokenEvent(b.index, b.count, -1, tail, 0f));
        if (!keepSequences) release(b);
    }

    /** Returns a branch's blocks (registering its full blocks with the prefix cache first, if one is given). */
    void release(BranchState b) {
        if (b.sequence.released()) return;
        if (prefixes != null) prefixes.register(b.sequence, b.tokens(), b::slotAt);
        cache.release(b.sequence);
    }
}
