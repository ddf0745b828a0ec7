package dev.edgewise.engine;

import dev.edgewise.engine.heads.HiddenStatePooler;
import dev.edgewise.engine.heads.SwitcherHead;
import dev.edgewise.engine.heads.VerifierHead;
import dev.edgewise.engine.kv.KvSequence;
import dev.edgewise.engine.kv.PagedKvCache;
import dev.edgewise.engine.sched.Job;
import dev.edgewise.engine.sched.Prefill;
import dev.edgewise.engine.sched.Scheduler;
import dev.edgewise.engine.sched.Step;
import dev.edgewise.engine.tokenizer.ChatTemplate;
import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.engine.vote.Ballot;
import dev.edgewise.engine.vote.VoteResult;
import dev.edgewise.engine.vote.Voter;

import java.util.ArrayList;
import java.util.List;

/**
 * One request through the reasoning pipeline (see {@link ReasoningRequest}) as a job on the
 * scheduler, in phases: the prompt's KV blocks are written once, by the base model, while the
 * switcher reads hidden states of that same pass; the first response token comes from its last
 * logits; branches fork its blocks and decode with the adapter on for their own rows only; each
 * branch's verification prompt is prefilled on its own KV and the verifier reads the last hidden
 * state; then the vote. Every phase's rows share the scheduler's steps with other requests.
 */
final class ReasoningRun extends Job<ReasoningResult> {
    private enum Phase { PREFILL, ADAPTER_PREFILL, DECODE, VERIFY, DONE }

    private final Tokenizer tokenizer;
    private final ReasoningRequest request;
    private final int[] prompt;
    private final int adapterSlot;
    private final TokenListener listener;
    private final SwitcherHead switcher;
    private final VerifierHead verifier;
    private final HiddenStatePooler pooler;
    private final long start = System.nanoTime();
    private Phase phase = Phase.PREFILL;
    private Prefill prefill;
    private final List<KvSequence> held = new ArrayList<>();
    private final List<BranchState> branches = new ArrayList<>();
    private final List<Prefill> verifications = new ArrayList<>();
    private BranchDecoder decoder;
    private boolean reason;
    private String decidedBy;
    private double probability = Double.NaN;
    private double[] scores = new double[0];
    private long prefillDone, firstToken, decodeDone, verifyDone, verificationRowsBefore;
    private boolean cancelled;

    ReasoningRun(Tokenizer tokenizer, ReasoningRequest request, int[] prompt, int adapterSlot, TokenListener listener) {
        this.tokenizer = tokenizer;
        this.request = request;
        this.prompt = prompt;
        this.adapterSlot = adapterSlot;
        this.listener = listener;
        this.switcher = request.heads() == null ? null : request.heads().switcher().orElse(null);
        this.verifier = request.heads() == null ? null : request.heads().verifier().orElse(null);
        this.pooler = switcher == null ? null : switcher.newPooler();
    }

    /** The messages with the budget sentence appended to the last user message. */
    static List<ChatTemplate.Message> messagesWithBudget(ReasoningRequest request) {
        List<ChatTemplate.Message> m = new ArrayList<>(request.messages());
        if (request.budgetSentence() == null || request.budget() == null || request.mode() == ReasoningMode.OFF) return m;
        String sentence = request.budgetSentence().replace("{budget}", Integer.toString(request.budget().maxResponseTokens()));
        for (int i = m.size() - 1; i >= 0; i--) {
            if (m.get(i).role().equals("user")) {
                m.set(i, new ChatTemplate.Message("user", m.get(i).content() + sentence));
                break;
            }
        }
        return m;
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
        // 1. one base-model prefill: KV for every later phase, switcher states, first-token logits
        prefill = Prefill.prompt(this, prompt, p -> -1, true);
        if (pooler != null) prefill.captureHidden(switcher.layer(), Prefill.Hidden.ALL, (row, h, off) -> pooler.accept(h, off));
        open(s, prefill);
    }

    private void open(Scheduler s, Prefill p) {
        p.start(s);
        held.add(p.sequence());
    }

    @Override
    protected void plan(Step step) {
        switch (phase) {
            case PREFILL, ADAPTER_PREFILL -> prefill.plan(step);
            case DECODE -> decoder.plan(step, this, branches);
            case VERIFY -> {
                for (Prefill v : verifications) v.plan(step);
            }
            case DONE -> { }
        }
    }

    @Override
    protected void afterStep(Scheduler s) {
        switch (phase) {
            case PREFILL -> {
                if (prefill.finished()) decide(s);
            }
            case ADAPTER_PREFILL -> {
                if (prefill.finished()) fork(s, prefill, adapterSlot);
            }
            case DECODE -> {
                for (BranchState b : branches) if (b.live()) return;
                decodeDone = System.nanoTime();
                verify(s);
            }
            case VERIFY -> {
                for (Prefill v : verifications) if (!v.finished()) return;
                finishVerification();
            }
            case DONE -> { }
        }
    }

    /** 2. the switch, then the branches (or a second prefill with the adapter on, for comparison). */
    private void decide(Scheduler s) {
        prefill.registerBlocks(s);
        if (pooler != null) probability = switcher.probability(pooler.pooled());
        reason = switch (request.mode()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> pooler != null && switcher.reason(pooler.pooled());
        };
        decidedBy = request.mode() != ReasoningMode.AUTO ? "forced " + request.mode().name().toLowerCase(java.util.Locale.ROOT)
                : pooler == null ? "forced off (no switcher)" : "switcher";
        if (reason && request.adapterPrefill() && adapterSlot >= 0) {
            Prefill base = prefill;
            prefill = Prefill.prompt(this, prompt, p -> adapterSlot, true);
            open(s, prefill);
            s.cache().release(base.sequence());
            phase = Phase.ADAPTER_PREFILL;
            return;
        }
        fork(s, prefill, -1);
    }

    /** 3. branches fork the prompt's blocks and decode together. */
    private void fork(Scheduler s, Prefill base, int promptSlot) {
        if (phase == Phase.ADAPTER_PREFILL) base.registerBlocks(s);
        prefillDone = System.nanoTime();
        PagedKvCache cache = s.cache();
        int n = reason ? request.branches() : 1;
        GenerationRequest decode = GenerationRequest.tokens(prompt).maxTokens(request.maxTokens()).sampling(request.sampling())
                .branches(n).budget(reason ? request.budget() : null).build();
        decoder = new BranchDecoder(cache, s.vocab(), tokenizer, decode, listener);
        decoder.keepSequences = true;
        branches.addAll(decoder.fork(base.sequence(), prompt, promptSlot, reason ? adapterSlot : -1));
        for (BranchState b : branches) held.add(b.sequence);
        if (reason && request.openThinking() && request.budget() != null) {
            for (BranchState b : branches) if (!b.budget.thinking()) decoder.inject(b, request.budget().thinkStart() + "\n");
        }
        for (BranchState b : branches) decoder.first(b, base.lastLogits());
        firstToken = System.nanoTime();
        phase = Phase.DECODE;
    }

    /** 4. verification on top of each branch's own KV: its unfed tokens plus the verification prompt. */
    private void verify(Scheduler s) {
        verificationRowsBefore = forwardRows();
        if (verifier == null || cancelled) {
            finishVerification();
            return;
        }
        int[] suffix = tokenizer.encode(request.verificationPrompt(), true);
        if (suffix.length == 0) throw new IllegalArgumentException("the verification prompt has no tokens");
        scores = new double[branches.size()];
        int slot = request.verifierUsesAdapter() && reason ? adapterSlot : -1;
        for (BranchState b : branches) {
            int[] rows = new int[b.pendingInputs() + suffix.length];
            for (int i = 0; i < b.pendingInputs(); i++) rows[i] = b.pendingInput(i);
            System.arraycopy(suffix, 0, rows, b.pendingInputs(), suffix.length);
            b.inputsConsumed();
            int index = b.index;
            Prefill v = Prefill.extend(this, b.sequence, rows, p -> slot)
                    .captureHidden(verifier.layer(), Prefill.Hidden.LAST, (row, h, off) -> scores[index] = verifier.score(h, off));
            v.start(s);
            verifications.add(v);
        }
        phase = Phase.VERIFY;
    }

    private void finishVerification() {
        verifyDone = System.nanoTime();
        phase = Phase.DONE;
    }

    @Override
    protected boolean done() {
        return phase == Phase.DONE;
    }

    @Override
    protected void cancel() {
        cancelled = true;
        if (decoder != null) decoder.cancel(branches);
        long now = System.nanoTime();
        if (decodeDone == 0) decodeDone = now;
        if (firstToken == 0) firstToken = prefillDone = now;
        finishVerification();
    }

    @Override
    protected void releaseAll(Scheduler s) {
        for (KvSequence seq : held) if (!seq.released()) s.cache().release(seq);
    }

    @Override
    protected ReasoningResult result() {
        // 5. the vote
        List<Ballot> ballots = new ArrayList<>();
        List<BranchResult> results = new ArrayList<>();
        List<Double> scoreList = new ArrayList<>();
        int thinking = 0, response = 0, forced = 0;
        for (BranchState b : branches) {
            BranchResult r = b.result();
            results.add(r);
            double weight = scores.length > 0 ? scores[b.index] : Math.exp(r.meanLogProb());
            ballots.add(new Ballot(b.index, r.text(), weight));
            thinking += r.thinkingTokens();
            response += r.tokens().length;
            if (r.forcedAt() >= 0) forced++;
        }
        for (double v : scores) scoreList.add(v);
        VoteResult vote = new Voter(request.extractor(), request.vote()).vote(ballots);
        int verificationTokens = verifications.isEmpty() ? 0 : (int) (forwardRows() - verificationRowsBefore);
        ReasoningResult.Timings timings = new ReasoningResult.Timings(prompt.length, forwardRows(), prefillDone - start, firstToken - start,
                decodeDone - firstToken, verifyDone - decodeDone, System.nanoTime() - start, thinking, response, verificationTokens, forced);
        return new ReasoningResult(reason, cancelled && decidedBy == null ? "cancelled" : decidedBy, probability, results, scoreList,
                vote, timings);
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
