package dev.edgewise.engine;

import dev.edgewise.engine.kv.KvCacheFullException;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.kernels.WorkerPool;

import java.util.List;

/**
 * The batched decode loop: every step runs one forward pass holding the pending tokens of every
 * live branch (normally one each; more after budget forcing injected text), then lets each branch
 * sample from its own logits row and apply its stop conditions and budget. Finished branches leave
 * the batch and return their KV blocks at once.
 */
final class BranchDecoder {
    private final Qwen2Forward forward;
    private final PagedKvCache cache;
    private final Tokenizer tokenizer;
    private final GenerationRequest request;
    private final TokenListener listener;
    private final int vocab;
    private final int thinkStartId, thinkEndId;
    private final WorkerPool pool;
    private ForwardBatch batch = new ForwardBatch(8);
    private BranchState[] owners = new BranchState[8];
    private int[] sampled = new int[8];
    private float[] sampledLogProbs = new float[8];
    /** Whether a finished branch keeps its KV blocks (for verification); the caller releases them. */
    boolean keepSequences;
    int steps, decoded;
    long kvPeakBytes;

    BranchDecoder(Qwen2Forward forward, PagedKvCache cache, Tokenizer tokenizer, GenerationRequest request, TokenListener listener) {
        this(forward, cache, tokenizer, request, listener, null);
    }

    /** With a pool, the branches of a step sample in parallel (each owns its sampler; the rest stays in order). */
    BranchDecoder(Qwen2Forward forward, PagedKvCache cache, Tokenizer tokenizer, GenerationRequest request, TokenListener listener,
                  WorkerPool pool) {
        this.pool = pool;
        this.forward = forward;
        this.cache = cache;
        this.tokenizer = tokenizer;
        this.request = request;
        this.listener = listener;
        this.vocab = forward.config().vocabSize();
        BudgetForcing budget = request.budget();
        this.thinkStartId = budget == null ? -1 : tokenizer.vocabulary().id(budget.thinkStart());
        this.thinkEndId = budget == null ? -1 : tokenizer.vocabulary().id(budget.thinkEnd());
    }

    /** Gives each branch its first token from the shared prompt logits, then decodes until all finish. */
    void run(List<BranchState> branches, float[] promptLogits, long[] firstTokenAt) {
        for (BranchState b : branches) if (b.pendingInputs() == 0) onLogits(b, promptLogits, 0); // else it starts with injected text
        firstTokenAt[0] = System.nanoTime();
        while (true) {
            int rows = 0;
            for (BranchState b : branches) if (b.live()) rows += b.pendingInputs();
            if (rows > batch.capacity()) batch = new ForwardBatch(Math.max(rows, 2 * batch.capacity()));
            batch.clear();
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
                for (int i = 0; i < n; i++) batch.add(b.pendingInput(i), b.sequence, i == n - 1, b.adapter);
                b.inputsConsumed();
            }
            if (batch.size() == 0) return;
            float[] logits = forward.forward(batch, cache);
            kvPeakBytes = Math.max(kvPeakBytes, cache.pool().bytesInUse());
            steps++;
            int n = 0;
            if (owners.length < batch.size()) {
                owners = new BranchState[batch.size()];
                sampled = new int[batch.size()];
                sampledLogProbs = new float[batch.size()];
            }
            for (int i = 0; i < batch.size(); i++) if (batch.wantLogits[i]) owners[n++] = owner(branches, i);
            sampleAll(logits, n);
            for (int r = 0; r < n; r++) {
                apply(owners[r], sampled[r], sampledLogProbs[r]);
                decoded++;
            }
        }
    }

    /** Draws every live branch's next token from its logits row: independent work, so spread over the pool. */
    private void sampleAll(float[] logits, int n) {
        WorkerPool.RangeTask task = (from, to) -> {
            for (int r = from; r < to; r++) {
                BranchState b = owners[r];
                if (b.count >= request.maxTokens()) continue; // apply() finishes it
                sampled[r] = b.sample(logits, r * vocab, vocab);
                sampledLogProbs[r] = Sampler.logProbability(logits, r * vocab, vocab, sampled[r]);
            }
        };
        if (pool == null || n < 2) task.run(0, n);
        else pool.parallelFor(n, task);
    }

    private BranchState owner(List<BranchState> branches, int row) {
        for (BranchState b : branches) if (b.sequence == batch.sequences[row]) return b;
        throw new IllegalStateException("row " + row + " has no branch");
    }

    /** Samples a branch's next token and applies end-of-generation, stop strings, budgets and limits. */
    private void onLogits(BranchState b, float[] logits, int offset) {
        int token = b.count >= request.maxTokens() ? -1 : b.sample(logits, offset, vocab);
        apply(b, token, token < 0 ? 0f : Sampler.logProbability(logits, offset, vocab, token));
    }

    /** Applies a sampled token: end-of-generation, minimum thinking, stop strings, budgets and limits. */
    private void apply(BranchState b, int token, float logProb) {
        if (b.count >= request.maxTokens()) {
            finish(b, FinishReason.MAX_TOKENS);
            return;
        }
        BudgetForcing budget = request.budget();
        if (budget != null && token == thinkEndId && thinkEndId >= 0 && b.thinking && b.thinkingTokens < budget.minThinkingTokens()) {
            b.waits++;
            inject(b, budget.waitText()); // s1: refuse to stop thinking, make it reconsider
            return;
        }
        if (!request.ignoreEndOfGeneration() && tokenizer.isEndOfGeneration(token)) {
            finish(b, FinishReason.END_OF_GENERATION);
            return;
        }
        emit(b, token, logProb);
        if (b.live() && b.constraintComplete()) finish(b, FinishReason.END_OF_GENERATION); // end of the JSON: end of generation
        if (b.live() && budget != null) applyBudget(b, budget);
        if (b.live() && b.count >= request.maxTokens()) finish(b, FinishReason.MAX_TOKENS);
    }

    private void applyBudget(BranchState b, BudgetForcing budget) {
        if (b.forcedAt >= 0) {
            if (b.count >= b.forcedLimit) finish(b, FinishReason.BUDGET);
            return;
        }
        boolean thinkingCapHit = budget.maxThinkingTokens() > 0 && b.thinkingTokens >= budget.maxThinkingTokens();
        if (b.count >= budget.maxResponseTokens() || (b.thinking && thinkingCapHit)) {
            if (b.thinking) {
                b.forcedAt = b.count;
                inject(b, budget.forcingText());
                b.forcedLimit = b.count + budget.answerAllowance();
                if (budget.answerAllowance() == 0) finish(b, FinishReason.BUDGET);
            } else {
                finish(b, FinishReason.BUDGET); // already answering: the response cap is final
            }
        }
    }

    /** Accepts a token into a branch, tracks the thinking section, and streams it. */
    private void emit(BranchState b, int token, float logProb) {
        boolean wasThinking = b.thinking;
        String piece = b.accept(token, logProb);
        BudgetForcing budget = request.budget();
        if (budget != null) {
            if (!b.thinking && b.thinkingTokens == 0 && (token == thinkStartId || endsWith(b.rawText(), budget.thinkStart()))) {
                b.thinking = true;
            } else if (b.thinking && (token == thinkEndId || endsWith(b.rawText(), budget.thinkEnd()))) {
                b.thinking = false;
            }
            if (wasThinking && b.thinking && b.forcedAt < 0) b.thinkingTokens++;
        }
        listener.onToken(new TokenEvent(b.index, b.count - 1, token, piece, logProb, b.lastSplit.thinking(), b.lastSplit.content()));
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

    private static boolean endsWith(CharSequence s, String suffix) {
        int n = suffix.length(), start = s.length() - n;
        if (start < 0) return false;
        for (int i = 0; i < n; i++) if (s.charAt(start + i) != suffix.charAt(i)) return false;
        return true;
    }

    /** Ends a branch: flushes held-back text and returns its KV blocks to the pool at once. */
    private void finish(BranchState b, FinishReason reason) {
        b.finish = reason;
        String tail = b.flush();
        if (!tail.isEmpty() || b.lastSplit != ThinkingSplitter.Chunk.EMPTY) {
            listener.onToken(new TokenEvent(b.index, b.count, -1, tail, 0f, b.lastSplit.thinking(), b.lastSplit.content()));
        }
        if (!keepSequences) cache.release(b.sequence);
    }
}
