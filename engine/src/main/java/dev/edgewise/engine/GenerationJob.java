package dev.edgewise.engine;

import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.sched.Job;
import dev.edgewise.engine.sched.Prefill;
import dev.edgewise.engine.sched.Scheduler;
import dev.edgewise.engine.sched.Step;
import dev.edgewise.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A generation request on the scheduler: the prompt is prefilled once (starting on cached prefix
 * blocks when there are), its blocks are forked to every branch (shared, copy-on-write), and the
 * branches decode together with whatever else runs.
 */
final class GenerationJob extends Job<GenerationResult> {
    private final GenerationRequest request;
    private final int[] prompt;
    private final int slot;
    private final Tokenizer tokenizer;
    private final TokenListener listener;
    private final long submitted = System.nanoTime();
    private Prefill prefill;
    private BranchDecoder decoder;
    private final List<BranchState> branches = new ArrayList<>();
    private long promptDone, firstToken;
    private long kvPeak;
    private boolean cancelled;

    GenerationJob(GenerationRequest request, int[] prompt, int slot, Tokenizer tokenizer, TokenListener listener) {
        this.request = request;
        this.prompt = prompt;
        this.slot = slot;
        this.tokenizer = tokenizer;
        this.listener = listener;
    }

    @Override
    protected int sequences() {
        return request.branches();
    }

    @Override
    protected boolean cancelRequested() {
        return request.cancelled();
    }

    @Override
    protected void start(Scheduler s) {
        prefill = Prefill.prompt(this, prompt, p -> slot, true);
        prefill.start(s);
    }

    @Override
    protected void plan(Step step) {
        if (decoder == null) prefill.plan(step);
        else decoder.plan(step, this, branches);
    }

    @Override
    protected void afterStep(Scheduler s) {
        PagedKvCache cache = s.cache();
        kvPeak = Math.max(kvPeak, cache.pool().bytesInUse());
        if (decoder != null || !prefill.finished()) return;
        // the prompt is in: register its blocks, fork them to every branch, sample each first token
        promptDone = System.nanoTime();
        prefill.registerBlocks(s);
        decoder = new BranchDecoder(cache, s.vocab(), tokenizer, request, listener);
        decoder.prefixes = s.prefixCache();
        branches.addAll(decoder.fork(prefill.sequence(), prompt, slot, slot));
        float[] logits = prefill.lastLogits();
        for (BranchState b : branches) decoder.first(b, logits);
        firstToken = System.nanoTime();
    }

    @Override
    protected boolean done() {
        if (cancelled) return true;
        if (decoder == null) return false;
        for (BranchState b : branches) if (b.live()) return false;
        return true;
    }

    @Override
    protected void cancel() {
        cancelled = true;
        if (decoder != null) decoder.cancel(branches);
    }

    @Override
    protected void releaseAll(Scheduler s) {
        if (decoder != null) for (BranchState b : branches) decoder.release(b);
        if (prefill != null && prefill.sequence() != null && !prefill.sequence().released()) s.cache().release(prefill.sequence());
    }

    @Override
    protected GenerationResult result() {
        long end = System.nanoTime();
        List<BranchResult> results = new ArrayList<>();
        int generated = 0;
        if (decoder == null) { // cancelled before the prompt was in
            for (int i = 0; i < request.branches(); i++) {
                results.add(new BranchResult(i, "", new int[0], new float[0], FinishReason.CANCELLED, 0, -1, 0));
            }
            return new GenerationResult(results, prompt, new Timings(prompt.length, end - submitted, end - submitted, 0, 0, 0, 0,
                    kvPeak, prefill == null ? 0 : prefill.cachedTokens()));
        }
        for (BranchState b : branches) {
            generated += b.count;
            results.add(b.result());
        }
        Timings timings = new Timings(prompt.length, promptDone - submitted, firstToken - submitted, generated, decoder.decoded,
                decoder.steps, end - firstToken, kvPeak, prefill.cachedTokens());
        return new GenerationResult(results, prompt, timings);
    }

    @Override
    protected int promptTokens() {
        return prompt.length;
    }

    @Override
    protected int cachedPromptTokens() {
        return prefill == null ? 0 : prefill.cachedTokens();
    }

    @Override
    protected int generatedTokens() {
        int n = 0;
        for (BranchState b : branches) n += b.count;
        return n;
    }
}
